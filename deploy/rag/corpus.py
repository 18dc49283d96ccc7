"""The knowledge base's raw pages: the course book's MyST pages and the markdown cells of its student notebooks.

Pages are read in the order of the book's table of contents (``_toc.yml``), then the notebooks of ``notebooks/``
in name order; each ``Page.source`` is its path relative to the course root, which is what citations show. A page's
citations of the course bibliography, ``{cite:t}`vaswani2017attention``, read as the book shows them: "Vaswani et al.
(2017)", or "(Vaswani et al., 2017)" for ``{cite:p}``.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

TOC_FILE = "_toc.yml"
NOTEBOOKS_DIR = "notebooks"
BIBLIOGRAPHY = "book/reference/references.bib"
BIB_ENTRY = re.compile(r"^@\w+\{(?P<key>[^,\s]+),(?P<fields>.*?)^\}", re.MULTILINE | re.DOTALL)
CITATION = re.compile(r"\{cite(?::(?P<style>\w+))?\}`(?P<keys>[^`]+)`")
LATEX_MARKUP = re.compile(r"\\[^a-zA-Z]|\\[a-zA-Z]+\s*|[{}]")


class CorpusError(ValueError):
    """A page of the knowledge base cannot be read: the message names the file and the problem."""


@dataclass(frozen=True)
class Page:
    """One document of the knowledge base: its path relative to the course root and its markdown text."""

    source: str
    text: str


def course_root(start: Path | str | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: this package) that holds the book's ``_toc.yml``."""
    here = Path(start if start is not None else __file__).resolve()
    for folder in (here, *here.parents):
        if (folder / TOC_FILE).is_file():
            return folder
    raise CorpusError(f"no {TOC_FILE} at or above {here}: pass the course root explicitly")


def toc_files(root: Path) -> list[str]:
    """The book's pages in reading order, as paths relative to ``root`` with their ``.md`` suffix."""
    try:
        toc = yaml.safe_load((root / TOC_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CorpusError(f"{root}: no {TOC_FILE} here, so no book to read") from error
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files.extend(chapter["file"] for chapter in part.get("chapters", []))
    return [file if file.endswith(".md") else f"{file}.md" for file in files]


def read_text(path: Path, source: str) -> str:
    """The UTF-8 text of ``path``; a clear error for a missing or undecodable file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise CorpusError(f"{source}: the file does not exist") from error
    except UnicodeDecodeError as error:
        raise CorpusError(f"{source}: not valid UTF-8 ({error.reason} at byte {error.start})") from error


def notebook_markdown(path: Path, source: str) -> str:
    """The markdown cells of a Jupyter notebook, joined by blank lines (code and outputs left out)."""
    try:
        notebook = json.loads(read_text(path, source))
        cells = notebook["cells"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise CorpusError(f"{source}: not a Jupyter notebook ({error})") from error
    texts = ["".join(cell.get("source", "")) for cell in cells if cell.get("cell_type") == "markdown"]
    return "\n\n".join(text for text in texts if text.strip())


def bib_field(fields: str, name: str) -> str:
    """One field of a BibTeX entry written ``name = {value},`` on one line, as written."""
    match = re.search(rf"^\s*{name}\s*=\s*\{{(.*)\}},?\s*$", fields, re.MULTILINE)
    return match.group(1).strip() if match else ""


def surname(name: str) -> str:
    """The surname of a BibTeX name ('Vaswani, Ashish'), or the whole of a braced organisation ('{Project Jupyter}')."""
    if name.startswith("{") and name.endswith("}"):
        return LATEX_MARKUP.sub("", name)
    return LATEX_MARKUP.sub("", name.split(",")[0] if "," in name else name.split()[-1]).strip()


def authors_label(authors: str) -> str:
    """'Vaswani et al.', 'Malkov and Yashunin' or 'Severance' from a BibTeX author list."""
    surnames = [surname(name.strip()) for name in re.split(r"\s+and\s+", authors) if name.strip()]
    if len(surnames) == 1:
        return surnames[0]
    if len(surnames) == 2 and surnames[1] != "others":
        return f"{surnames[0]} and {surnames[1]}"
    return f"{surnames[0]} et al."


def citation_labels(root: Path) -> dict[str, tuple[str, str]]:
    """(authors, year) of every entry of the course bibliography, by key; empty if the course has none."""
    path = root / BIBLIOGRAPHY
    text = read_text(path, BIBLIOGRAPHY) if path.is_file() else ""
    return {entry["key"]: entry_label(entry["fields"]) for entry in BIB_ENTRY.finditer(text)}


def entry_label(fields: str) -> tuple[str, str]:
    """(authors, year) of a BibTeX entry; a work without a year reads "n.d.", as in the book."""
    return authors_label(bib_field(fields, "author")), bib_field(fields, "year") or "n.d."


def render_citations(text: str, labels: dict[str, tuple[str, str]]) -> str:
    """Citation roles written out as the book shows them; an unknown key stays as it is."""

    def rendered(match: re.Match) -> str:
        keys = [key.strip() for key in match["keys"].split(",")]
        known = [labels.get(key, (key, "")) for key in keys]
        if match["style"] == "t":
            return ", ".join(f"{authors} ({year})" if year else authors for authors, year in known)
        return "(" + "; ".join(f"{authors}, {year}" if year else authors for authors, year in known) + ")"

    return CITATION.sub(rendered, text)


def book_pages(root: Path | str | None = None, notebooks: bool = True) -> list[Page]:
    """Every page of the book (from ``_toc.yml``) and, if ``notebooks``, every student notebook's markdown."""
    root = course_root() if root is None else Path(root)
    labels = citation_labels(root)
    pages = [Page(source, render_citations(read_text(root / source, source), labels)) for source in toc_files(root)]
    if notebooks:
        for path in sorted((root / NOTEBOOKS_DIR).glob("*/*.ipynb")):
            source = path.relative_to(root).as_posix()
            pages.append(Page(source, notebook_markdown(path, source)))
    return pages
