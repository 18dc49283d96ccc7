"""The book's plots are accessible: every figure has alt text, and all colours come from one colour-blind-safe palette.

Static checks over the MyST sources of the pages in _toc.yml, read as the build reads them (no build needed). The
palette is set once for every page in book/_ext/matplotlibrc (the Okabe-Ito colours); pages name its colours "C0".."C7".
"""

import re
from functools import cache

import matplotlib
import pytest
import yaml
from matplotlib.colors import CSS4_COLORS, to_hex
from myst_nb.core.read import read_myst_markdown_notebook

from autograder.course import COURSE_ROOT
from autograder.integrity import page_path, toc_files

MATPLOTLIBRC = COURSE_ROOT / "book" / "_ext" / "matplotlibrc"
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
ALLOWED_COLORS = {f"C{i}" for i in range(8)} | {"black", "white", "grey", "gray", "lightgrey", "lightgray", "none"}
ALLOWED_CMAPS = {"viridis", "cividis", "magma", "inferno", "plasma", "gray", "gray_r", "Greys", "binary"}
ALLOWED_CMAPS |= {"RdBu", "RdBu_r", "PuOr", "PuOr_r"}

DRAWS_FIGURE = re.compile(r"\bplt\.(?!close\b)\w+\(")  # the pages import pyplot as plt; any call of it draws or shows
# A string given to a colour argument (or a "color" key of a dict such as arrowprops).
COLOR_ARGUMENT = re.compile(
    r"""(?:\b(?:colors?|c|facecolor|edgecolor)\s*=|["'](?:color|facecolor|edgecolor)["']\s*:)\s*(["'])(.*?)\1"""
)
CMAP_ARGUMENT = re.compile(r"""(?:\bcmap\s*=\s*|get_cmap\(\s*|colormaps\[\s*)(["'])(.*?)\1""")
# Any string literal that can only be a colour: a named or hex colour, wherever it is (in a list, a dict, a tuple...).
STRING = re.compile(r"""(["'])([^"'\n]*)\1""")
NAMED_OR_HEX = re.compile(r"(?:tab|xkcd):[\w ]+|#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?")


def book_pages() -> list[str]:
    """The MyST markdown pages of the book, as toc names (missing pages are the integrity checks' business)."""
    names = toc_files(yaml.safe_load((COURSE_ROOT / "_toc.yml").read_text()))
    return [name for name in names if (path := page_path(COURSE_ROOT, name)) is not None and path.suffix == ".md"]


@cache
def code_cells(name: str) -> list[tuple[int, str, dict]]:
    """(page line of the first code line, source, metadata) of every code cell of a page, parsed like the build does."""
    text = page_path(COURSE_ROOT, name).read_text()
    notebook = read_myst_markdown_notebook(text, add_source_map=True)
    lines, cells = text.splitlines(), []
    for cell, fence_line in zip(notebook.cells, notebook.metadata["source_map"], strict=True):
        if cell.cell_type == "code":
            first = cell.source.splitlines()[0] if cell.source else ""
            start = lines.index(first, fence_line) + 1 if first else fence_line  # the code follows the cell's options
            cells.append((start, cell.source, cell.metadata))
    return cells


def alt_text(metadata: dict) -> str:
    image = (metadata.get("mystnb") or {}).get("image") or {}
    return str(image.get("alt") or "").strip()


def off_palette(line: str) -> list[str]:
    """The colours and colormaps of one line of code that are outside the book's palette."""
    colors = [value for _, value in COLOR_ARGUMENT.findall(line)]
    colors += [value for _, value in STRING.findall(line) if NAMED_OR_HEX.fullmatch(value)]
    colors += [value for _, value in STRING.findall(line) if value.lower() in CSS4_COLORS]
    found = [f"colour {value!r}" for value in dict.fromkeys(colors) if value not in ALLOWED_COLORS]
    return found + [f"colormap {value!r}" for _, value in CMAP_ARGUMENT.findall(line) if value not in ALLOWED_CMAPS]


def test_the_palette_is_okabe_ito():
    rc = matplotlib.rc_params_from_file(MATPLOTLIBRC, use_default_template=False)
    cycle = [to_hex(color).upper() for color in rc["axes.prop_cycle"].by_key()["color"]]
    assert cycle == OKABE_ITO, f"{MATPLOTLIBRC}: the colour cycle must be the Okabe-Ito palette, not {cycle}"


def test_the_rule_finds_the_figures():
    figures = [source for name in book_pages() for _, source, _ in code_cells(name) if DRAWS_FIGURE.search(source)]
    assert figures, "no code cell of the book calls pyplot: the rule that finds figures is broken"


@pytest.mark.parametrize("name", book_pages())
def test_every_figure_has_alt_text(name):
    missing = [
        f"{name}.md:{line}: {source.splitlines()[0]}"
        for line, source, metadata in code_cells(name)
        if DRAWS_FIGURE.search(source) and not alt_text(metadata)
    ]
    assert not missing, (
        "these cells draw a figure without alt text; add to the cell's YAML header\n"
        "mystnb:\n  image:\n    alt: what the plot shows and what it says\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("name", book_pages())
def test_colours_come_from_the_palette(name):
    problems = [
        f"{name}.md:{start + offset}: {problem}"
        for start, source, _ in code_cells(name)
        for offset, line in enumerate(source.splitlines())
        for problem in off_palette(line)
    ]
    allowed = f"colours {sorted(ALLOWED_COLORS)}, colormaps {sorted(ALLOWED_CMAPS)}"
    assert not problems, f"outside the colour-blind-safe palette (allowed: {allowed}):\n" + "\n".join(problems)
