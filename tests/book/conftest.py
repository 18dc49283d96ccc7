"""The built book, shared by the tests of this folder: built once per test run, even across xdist workers."""

import json
import os
from pathlib import Path

import pytest
from filelock import FileLock

from autograder.book import build_book
from autograder.course import COURSE_ROOT


def build_record(output: Path) -> dict:
    """Build the book strictly into ``output``; return the return code and the end of its log."""
    result = build_book(COURSE_ROOT, output)
    return {"returncode": result.returncode, "log": f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"}


@pytest.fixture(scope="session")
def site(tmp_path_factory, worker_id) -> Path:
    """The HTML book, built strictly (any error or warning fails it); BOOK_SITE names an already built one."""
    if os.environ.get("BOOK_SITE"):
        return Path(os.environ["BOOK_SITE"])
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    record = shared / "book-build.json"
    with FileLock(f"{record}.lock"):
        if not record.is_file():
            record.write_text(json.dumps(build_record(shared / "book")))
    build = json.loads(record.read_text())
    assert build["returncode"] == 0, f"strict book build failed:\n{build['log']}"
    return shared / "book" / "_build" / "html"
