"""Where the course keeps its chapters, and running nbgrader on them."""

import os
import subprocess
import sys
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
NBGRADER_CONFIG = Path(__file__).resolve().parent / "nbgrader_config"
SOURCE_DIR = "solutions"
RELEASE_DIR = "notebooks"
SUBMITTED_DIR = "grading/submitted"
GRADEBOOK = "grading/gradebook.db"


def chapters(course_root: Path = COURSE_ROOT) -> list[str]:
    """Chapter ids: the folders of solutions/ that hold a notebook of the same name."""
    source = course_root / SOURCE_DIR
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def solution_notebook(chapter: str, course_root: Path = COURSE_ROOT) -> Path:
    return course_root / SOURCE_DIR / chapter / f"{chapter}.ipynb"


def release_notebook(chapter: str, course_root: Path = COURSE_ROOT) -> Path:
    return course_root / RELEASE_DIR / chapter / f"{chapter}.ipynb"


def gradebook_path(course_root: Path = COURSE_ROOT) -> Path:
    return Path(course_root) / GRADEBOOK


def gradebook_url(course_root: Path = COURSE_ROOT) -> str:
    """The nbgrader database URL of the course at ``course_root``."""
    return f"sqlite:///{gradebook_path(course_root)}"


def is_autograded_test(cell) -> bool:
    """A locked test cell that earns points (graded, not a solution cell)."""
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def run_nbgrader(command: str, *args: str, course_root: Path = COURSE_ROOT) -> subprocess.CompletedProcess:
    """Run an nbgrader subcommand with the course configuration on ``course_root``; raise on failure."""
    cmd = [
        sys.executable,
        "-m",
        "nbgrader",
        command,
        *args,
        f"--NbGrader.config_file={NBGRADER_CONFIG}",
        f"--CourseDirectory.root={course_root}",
        f"--CourseDirectory.db_url={gradebook_url(course_root)}",
    ]
    (course_root / "grading").mkdir(exist_ok=True)
    # nbgrader runs the `alembic` command of its own environment, so that environment's bin/ goes first.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(cmd, cwd=course_root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {command} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def release(chapter: str, course_root: Path = COURSE_ROOT) -> Path:
    """Regenerate the student release of ``chapter`` from its solution notebook."""
    run_nbgrader("generate_assignment", chapter, "--force", "--create", course_root=course_root)
    return release_notebook(chapter, course_root)
