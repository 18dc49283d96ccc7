"""The instructor edition of the book: the student book plus every chapter's solution notebook.

It is built from the book's own ``_config.yml`` and ``_toc.yml`` (nothing to keep in step by hand): the solutions
are added to the table of contents as one more part and rendered without being run (``python -m autograder
check`` runs each of them). The book's pages are executed as usual, reusing the execution cache of ``make book``
when one is given, so that building both editions runs each page once.
"""

import subprocess
import sys
from pathlib import Path

import yaml

from autograder.course import SOURCE_DIR, chapters

INSTRUCTOR_CAPTION = "Solutions (instructor edition)"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
STRICT_HTML_BUILD = ["--builder", "html", "-W", "-n", "--keep-going"]


def instructor_toc(toc: dict, chapter_ids: list[str]) -> dict:
    """The book's table of contents with a last part that lists every chapter's solution notebook."""
    solutions = [{"file": f"{SOURCE_DIR}/{chapter}/{chapter}"} for chapter in chapter_ids]
    part = {"caption": INSTRUCTOR_CAPTION, "numbered": False, "chapters": solutions}
    return {**toc, "parts": [*toc["parts"], part]}


def instructor_config(config: dict, course_root: Path, cache: Path | None) -> dict:
    """The book's configuration, with solutions/ built (not executed) and every path made absolute."""
    sphinx = config.get("sphinx", {})
    html = config.get("html", {})
    extensions = {name: str(course_root / path) for name, path in sphinx.get("local_extensions", {}).items()}
    execute = {**config.get("execute", {}), **({"cache": str(cache)} if cache else {})}
    return {
        **config,
        "title": f"{config['title']} · Instructor edition",
        "exclude_patterns": [pattern for pattern in config["exclude_patterns"] if pattern != f"{SOURCE_DIR}/*"],
        "bibtex_bibfiles": [str(course_root / path) for path in config.get("bibtex_bibfiles", [])],
        "html": {**html, **({"favicon": str(course_root / html["favicon"])} if html.get("favicon") else {})},
        "execute": execute,
        "sphinx": {**sphinx, "local_extensions": extensions},
    }


def build_book(course_root: Path, output: Path) -> subprocess.CompletedProcess:
    """Build the student book strictly into ``output``/_build/html; return the finished build command."""
    command = [JUPYTER_BOOK, "build", str(course_root), *STRICT_HTML_BUILD, "--path-output", str(output)]
    return subprocess.run(command, capture_output=True, text=True)


def build_instructor_book(course_root: Path, output: Path, cache: Path | None = None) -> subprocess.CompletedProcess:
    """Build the instructor edition strictly into ``output``/_build/html; return the finished build command."""
    settings = output / "instructor-edition"
    settings.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((course_root / "_config.yml").read_text())
    toc = yaml.safe_load((course_root / "_toc.yml").read_text())
    (settings / "_config.yml").write_text(yaml.safe_dump(instructor_config(config, course_root, cache)))
    (settings / "_toc.yml").write_text(yaml.safe_dump(instructor_toc(toc, chapters(course_root)), sort_keys=False))
    command = [
        JUPYTER_BOOK,
        "build",
        str(course_root),
        *STRICT_HTML_BUILD,
        "--config",
        str(settings / "_config.yml"),
        "--toc",
        str(settings / "_toc.yml"),
        "--path-output",
        str(output),
    ]
    return subprocess.run(command, capture_output=True, text=True)
