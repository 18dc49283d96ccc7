"""Kernel launcher used inside the grading sandbox: sets resource limits, then runs IPython's kernel."""

import os
import resource
import sys


def limit_memory(megabytes: int) -> None:
    """Cap the kernel's address space, so a runaway allocation fails instead of exhausting the machine."""
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def silence_launcher_output() -> None:
    """Send the kernel's start-up banner to /dev/null: output of student code still reaches the grader."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def main(argv: list[str]) -> None:
    memory = next(arg for arg in argv if arg.startswith("--memory-mb="))
    limit_memory(int(memory.split("=", 1)[1]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # In the sandbox's PID namespace the parent looks like init; bwrap --die-with-parent ends the kernel instead.
    os.environ.pop("JPY_PARENT_PID", None)
    sys.argv = [sys.argv[0], *(arg for arg in argv if arg != memory)]
    silence_launcher_output()
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
