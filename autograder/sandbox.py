"""A kernel for untrusted student code: no network, no view of the course, bounded memory.

The kernel runs under bubblewrap (``bwrap``): the whole file system is read-only, the course
folder (solutions, gradebook, other submissions) and ``/tmp`` are hidden behind empty
``tmpfs`` mounts, only the Python environment, the course's public folders that notebooks
import and read (``PUBLIC_FOLDERS``: the ``sentiment`` package and its artifact in ``deploy/``,
the datasets in ``data/``), read-only, and the submission's own work folder are mounted back,
and the network namespace is new and empty. The kernel talks to the grader over
Unix sockets in the work folder (the ``ipc`` transport), which need no network.
"""

import os
import shutil
import sys
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from autograder.course import COURSE_ROOT

BWRAP = "bwrap"
PUBLIC_FOLDERS = ("deploy", "data")  # what a student's notebook may import and read from the course


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create its namespaces on this machine."""


def require_bwrap() -> str:
    path = shutil.which(BWRAP)
    if path is None:
        raise SandboxUnavailable(
            "grading runs student code under bubblewrap, which is not installed: "
            "install it with `apt-get install bubblewrap` (Debian/Ubuntu) or `dnf install bubblewrap`"
        )
    return path


def python_folders() -> list[Path]:
    """The virtual environment and the base installation the kernel's Python comes from."""
    return sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()})


def bwrap_command(workdir: Path, course_root: Path = COURSE_ROOT) -> list[str]:
    """The bubblewrap prefix that confines a command to ``workdir``."""
    hidden = [Path("/tmp"), course_root.resolve(), Path.home()]
    public = [course_root.resolve() / name for name in PUBLIC_FOLDERS if (course_root / name).is_dir()]
    visible = [*python_folders(), Path(__file__).resolve().parent, *public]
    command = [require_bwrap(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for folder in hidden:
        command += ["--tmpfs", str(folder)]
    for folder in visible:
        command += ["--ro-bind", str(folder), str(folder)]
    command += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir)]
    command += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session"]
    return [*command, "--setenv", "HOME", str(workdir), "--setenv", "TMPDIR", str(workdir)]


class SandboxKernelManager(AsyncKernelManager):
    """Starts the kernel inside the sandbox, with a memory limit, talking over Unix sockets."""

    def __init__(self, workdir: Path, memory_mb: int, **kwargs):
        kwargs.setdefault("transport", "ipc")
        super().__init__(kernel_name="python3", **kwargs)
        self.workdir = workdir
        self.memory_mb = memory_mb
        self.connection_file = str(workdir / ".kernel.json")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel = [
            sys.executable,
            "-m",
            "autograder.sandbox_kernel",
            f"--memory-mb={self.memory_mb}",
            "-f",
            self.connection_file,
            "--HistoryManager.hist_file=:memory:",
        ]
        return [*bwrap_command(self.workdir), "--", *kernel]


def sandbox_environment() -> dict[str, str]:
    """Environment for the kernel: one BLAS thread (parallelism comes from grading several at once).

    The memory limit bounds address space, not memory in use: glibc reserves 64 MB of address space per thread
    arena, so a kernel with a dozen threads loses most of its budget before a cell runs. Two arenas (and no
    tokenizer threads) leave the budget to what the notebook really allocates.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER_", "NBGRADER"))}
    threads = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return {**env, **threads, "MALLOC_ARENA_MAX": "2", "TOKENIZERS_PARALLELISM": "false", "MPLBACKEND": "Agg"}
