"""Shared fixtures: the real course, and scratch copies of the small fixture course."""

import shutil
from pathlib import Path

import pytest

from autograder.course import COURSE_ROOT

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"


@pytest.fixture
def course_root() -> Path:
    return COURSE_ROOT


@pytest.fixture
def fixture_course(tmp_path) -> Path:
    """A scratch copy of the small, sound fixture course that a test may break."""
    target = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, target, ignore=shutil.ignore_patterns("grading"))
    return target


RAG_COURSE = Path(__file__).parent / "fixtures" / "rag-course"


@pytest.fixture(scope="session")
def rag_course() -> Path:
    """The small RAG course (a toc, a landing page, a chapter page, a student notebook): read it, never change it."""
    return RAG_COURSE


@pytest.fixture
def course(tmp_path) -> Path:
    """A scratch copy of the small RAG course that a test may change."""
    return Path(shutil.copytree(RAG_COURSE, tmp_path / "course"))
