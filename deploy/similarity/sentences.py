"""Split a document into sentences with rules, no model: the units that ``similarity`` embeds and ranks.

The rules are those of the similarity dataset's datasheet (``data/similarity/README.md``), which its answers
follow. A document is first cut into units, then each unit into sentences:

- a blank line always ends a unit; the lines of a paragraph are joined with a space;
- a list item (a line starting with ``- ``, ``* ``, ``• ``, ``1. `` or ``2) ``) is a unit of its own, marker
  stripped; it runs until the next item or blank line;
- headings and labels: in a paragraph (or the lines before a list item) whose last line does not end in
  ``.``, ``!``, ``?``, ``…`` or ``:`` (closing quotes and brackets after them allowed), each line is a unit of its
  own: a title, a heading before a list, a greeting, a signature ("Best wishes," / "Jo Marsh"); so is a
  Markdown ``#`` line;
- a sentence ends where ``.``, ``!``, ``?`` or an ellipsis (``...``, ``…``), with any closing quotes and brackets
  after it, is followed by whitespace; with no whitespace after it nothing splits (``3.14``, ``$4.50``, ``1.5x``,
  ``input.csv``), and colons, semicolons and dashes never end a sentence. Except:
- an ellipsis, an ``!`` or ``?`` followed by a closing quote or bracket (``"Really?" she asked``), and the
  abbreviations that may end a sentence (``etc.``, ``a.m.``, ``p.m.``, ``Inc.``, ``Ltd.``, ``Jr.``, ``Sr.``) end
  one only before a sentence start: an upper-case letter or a digit, maybe after opening quotes or brackets;
- titles, Latin and other abbreviations (``Dr.``, ``Mr.``, ``Mrs.``, ``Ms.``, ``Prof.``, ``St.``, ``Rd.``,
  ``e.g.``, ``i.e.``, ``vs.``, ``approx.``, ``tbsp.``, ``U.S.``, ``U.K.``, ``Ph.D.``, ``B.Sc.`` and other dotted forms)
  and single capital initials (``J.``) never end a sentence; ``No.``, ``Fig.``, ``p.``, ``Vol.`` and month
  abbreviations (``Jan.``) do not before a number ("bus No. 5", "Jan. 14") and do otherwise ("Just no. Dirty.");
- whitespace is normalised to single spaces and empty units are dropped.
"""

import re

LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])(?:\s+|$)")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
THEMATIC_BREAK = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
CLOSERS = "\"'”’)]»"
OPENERS = "\"'“‘([«¿¡"
FINAL = ".!?…"
CANDIDATE = re.compile(rf"(?P<mark>[{FINAL}]+)(?P<closers>[{re.escape(CLOSERS)}]*)\s+")
CURRENCY = "$£€¥"

NEVER_FINAL = {"dr.", "mr.", "mrs.", "ms.", "prof.", "st.", "rd.", "e.g.", "i.e.", "vs.", "approx.", "ph.d."}
NEVER_FINAL |= {"tbsp.", "tsp.", "u.s.", "u.k."}
MONTHS = ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
BEFORE_NUMBERS = {"no.", "nos.", "fig.", "figs.", "p.", "pp.", "vol."} | {f"{month}." for month in MONTHS}
MAYBE_FINAL = {"etc.", "a.m.", "p.m.", "inc.", "ltd.", "jr.", "sr."}
INITIAL = re.compile(r"^[A-Z]\.$")
INITIALISM = re.compile(r"^(?:[A-Za-z]{1,2}\.){2,}$")  # U.S., Ph.D., B.Sc.


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order, whitespace-normalised (see the module docstring for the rules)."""
    if not isinstance(text, str):
        raise TypeError(f"split_sentences takes a string, not {type(text).__name__}")
    return [sentence for unit in units(text) for sentence in split_unit(unit)]


def units(text: str) -> list[str]:
    """Paragraphs, list items, headings and labels of ``text``: the spans that no sentence crosses."""
    found: list[str] = []
    for block in re.split(r"\n[^\S\n]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines: list[str] = []  # the lines of running text since the last list item or heading
        in_item = False
        for line in block.split("\n"):
            if not line.strip() or THEMATIC_BREAK.match(line):
                continue
            marker = LIST_ITEM.match(line) or MARKDOWN_HEADING.match(line)
            if marker:
                found += paragraph_units(lines)
                found.append(line[marker.end() :])
                lines, in_item = [], bool(LIST_ITEM.match(line))
            elif in_item:
                found[-1] += " " + line  # an item runs until the next item or blank line
            else:
                lines.append(line)
        found += paragraph_units(lines)
    return [unit for unit in (normalise(unit) for unit in found) if unit]


def paragraph_units(lines: list[str]) -> list[str]:
    """Running text as one unit; lines whose last one has no final punctuation (headings, labels) one unit each."""
    if not lines:
        return []
    if lines[-1].rstrip().rstrip(CLOSERS).endswith((*FINAL, ":")):
        return [" ".join(lines)]
    return lines


def normalise(text: str) -> str:
    """``text`` with every run of whitespace (line breaks included) made one space, and stripped."""
    return " ".join(text.split())


def split_unit(unit: str) -> list[str]:
    """The sentences of one unit (a paragraph, item or heading whose whitespace is already normalised)."""
    sentences, start = [], 0
    for match in CANDIDATE.finditer(unit):
        if is_boundary(unit, match):
            sentences.append(unit[start : match.end()].strip())
            start = match.end()
    sentences.append(unit[start:].strip())
    return [sentence for sentence in sentences if sentence]


def is_boundary(unit: str, match: re.Match) -> bool:
    """Whether the final punctuation in ``match`` ends a sentence, given the words on both sides of it."""
    following = unit[match.end() :].split(" ", 1)[0].lstrip(OPENERS)
    starts_sentence = following[:1].isupper() or following[:1].isdigit() or following[:1] in CURRENCY
    mark = match["mark"]
    if "…" in mark or ".." in mark or (mark != "." and match["closers"]):
        return starts_sentence  # an ellipsis, or ?" and !" before a speech tag: "Ready?" she asked.
    if mark != ".":
        return True
    word = unit[: match.start() + 1].rsplit(" ", 1)[-1].lstrip(OPENERS)
    lowered = word.lower()
    if lowered in NEVER_FINAL or INITIAL.match(word) or (INITIALISM.match(word) and lowered not in MAYBE_FINAL):
        return False
    if lowered in BEFORE_NUMBERS:
        return not following[:1].isdigit()
    if lowered in MAYBE_FINAL:
        return starts_sentence
    return True
