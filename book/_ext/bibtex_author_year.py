"""Author-year citations in round brackets, and a bibliography page that matches them and stays current.

sphinxcontrib-bibtex's ``author_year`` reference style writes citations in square brackets ("Vaswani et al.
[2017]", "[Hendrycks and Gimpel, 2016]"). This extension registers the reference style ``author_year_round``, the
same with round brackets: "Vaswani et al. (2017)", "(Hendrycks and Gimpel, 2016)".

The list made by the ``{bibliography}`` directive keeps the labels and the order of its pybtex style:
the default ``alpha`` style gives labels such as ``[VSP+17]`` (or ``[CCButtcher09]`` once accents are stripped) and
sorts organisations such as ``{Project Jupyter}`` after every person. This extension registers a pybtex style
``authoryear``: the formatting of ``unsrt``, labels such as ``[Vaswani et al., 2017]``, ``[Malkov and Yashunin,
2020]`` or ``[Chroma, n.d.]`` (with a, b, ... when two labels collide), and entries sorted by authors, year and title
without regard to accents, braces or case.

Enable both in the ``sphinx`` section of ``_config.yml``: the extension under ``local_extensions``
(``bibtex_author_year: book/_ext``), and under ``config`` ``bibtex_reference_style: author_year_round`` and
``bibtex_default_style: authoryear``.
"""

import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import sphinxcontrib.bibtex.plugin
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

STYLE_NAME = "authoryear"
REFERENCE_STYLE_NAME = "author_year_round"


def _round_brackets() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclass
class RoundAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    """``author_year`` with round brackets for every kind of citation."""

    bracket_parenthetical: BracketStyle = field(default_factory=_round_brackets)
    bracket_textual: BracketStyle = field(default_factory=_round_brackets)
    bracket_author: BracketStyle = field(default_factory=_round_brackets)
    bracket_label: BracketStyle = field(default_factory=_round_brackets)
    bracket_year: BracketStyle = field(default_factory=_round_brackets)


def _plain(latex_parts) -> str:
    """Plain text of name parts written in LaTeX (braces removed, accents decoded)."""
    return " ".join(Text.from_latex(part).render_as("text") for part in latex_parts).strip()


def _surname(person) -> str:
    return _plain(person.prelast_names + person.last_names)


def _persons(entry):
    return entry.persons.get("author") or entry.persons.get("editor") or []


def _sort_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("{", "").replace("}", "").lower()


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Author, 2020", "Author and Other, 2020", "Author et al., 2020"; "n.d." without a year."""

    def format_labels(self, sorted_entries):
        labels = [self.format_label(entry) for entry in sorted_entries]
        count = Counter(labels)
        seen = Counter()
        for label in labels:
            if count[label] == 1:
                yield label
            else:
                yield f"{label}{'-' if label.endswith('n.d.') else ''}{chr(ord('a') + seen[label])}"
                seen[label] += 1

    def format_label(self, entry):
        persons = _persons(entry)
        names = [_surname(person) for person in persons]
        if not names:
            authors = _plain([entry.fields.get("title", entry.key)])
        elif len(names) == 1:
            authors = names[0]
        elif len(names) == 2 and names[1] != "others":
            authors = f"{names[0]} and {names[1]}"
        else:
            authors = f"{names[0]} et al."
        return f"{authors}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearSortingStyle(BaseSortingStyle):
    """Sort by the authors' surnames and first names, then the year ("n.d." first), then the title."""

    def sorting_key(self, entry):
        persons = " ; ".join(
            f"{_surname(person)}, {_plain(person.first_names + person.middle_names)}" for person in _persons(entry)
        )
        return (_sort_text(persons), entry.fields.get("year", ""), _sort_text(entry.fields.get("title", "")))


class AuthorYearStyle(UnsrtStyle):
    default_label_style = STYLE_NAME
    default_sorting_style = STYLE_NAME


def reread_bibliographies(app, env, added, changed, removed) -> list[str]:
    """Read the pages that hold a bibliography again whenever a page changed.

    sphinxcontrib-bibtex makes a bibliography's entries when it reads the page of the ``{bibliography}``
    directive, so an incremental build that re-reads only the citing pages would keep a stale list.
    """
    if not (added or changed or removed):
        return []
    return sorted({key.docname for key in env.get_domain("cite").bibliographies})


def setup(app):
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", REFERENCE_STYLE_NAME, RoundAuthorYearReferenceStyle
    )
    register_plugin("pybtex.style.labels", STYLE_NAME, AuthorYearLabelStyle)
    register_plugin("pybtex.style.sorting", STYLE_NAME, AuthorYearSortingStyle)
    register_plugin("pybtex.style.formatting", STYLE_NAME, AuthorYearStyle)
    app.connect("env-get-outdated", reread_bibliographies)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
