"""The grading sandbox shows a submission the course's public packages and data, and nothing else of the course."""

import subprocess
import sys

import pytest

from autograder.course import COURSE_ROOT
from autograder.sandbox import bwrap_command

READS_COURSE_PACKAGES = """
from sentiment.artifact import load_artifact
from sentiment.data import load_reviews
print(len(load_reviews()), load_artifact().model_version)
"""


def run_sandboxed(code: str, workdir) -> subprocess.CompletedProcess:
    command = [*bwrap_command(workdir), "--", sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_submission_can_import_the_course_package_and_read_its_data(tmp_path):
    result = run_sandboxed(READS_COURSE_PACKAGES, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[0] == "3120"


@pytest.mark.parametrize("hidden", ["solutions", "_toc.yml", "README.md"])
def test_the_rest_of_the_course_stays_hidden(tmp_path, hidden):
    assert (COURSE_ROOT / hidden).exists()
    result = run_sandboxed(f"import pathlib; print(pathlib.Path({str(COURSE_ROOT / hidden)!r}).exists())", tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False", f"{hidden} is visible inside the sandbox"


def test_the_public_folders_are_read_only(tmp_path):
    target = COURSE_ROOT / "data" / "written-by-a-submission.txt"
    result = run_sandboxed(f"open({str(target)!r}, 'w').write('x')", tmp_path)
    assert result.returncode != 0
    assert "Read-only file system" in result.stderr
    assert not target.exists()
