"""Runs inside the grading kernel: notices a submission that tampers with what the tests rely on.

Before each test cell the grader calls :func:`verify`. It restores the test helpers' names in
the notebook, clears IPython input transformers and event callbacks and Python trace hooks that
the submission installed, and fails if the submission replaced any attribute of the watched
modules (NumPy, math, builtins, the grading helpers) or rebound a module alias such as ``np``.
"""

import importlib
import sys
import types

WATCHED_MODULES = ("builtins", "math", "numpy", "numpy.linalg", "numpy.random", "numpy.testing", "autograder.checks")
HELPERS = "autograder.checks"
# Names the kernel itself rebinds while running cells (stdin forwarding, the output history).
KERNEL_MANAGED = {"builtins": {"input", "getpass", "_", "__", "___"}}

_modules: dict[str, dict] = {}
_hooks: dict[str, list] = {}


class TamperingDetected(Exception):
    """The submission changed something the tests rely on."""


def take_snapshot() -> None:
    """Remember the watched modules and IPython's hooks as they are before any student code runs."""
    for name in WATCHED_MODULES:
        _modules[name] = dict(vars(importlib.import_module(name)))
    shell = get_ipython_shell()
    if shell is not None:
        _hooks.update(
            input_transformers_cleanup=list(shell.input_transformers_cleanup),
            input_transformers_post=list(shell.input_transformers_post),
            ast_transformers=list(shell.ast_transformers),
        )
        _hooks["events"] = {event: list(callbacks) for event, callbacks in shell.events.callbacks.items()}


def get_ipython_shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def changed_attributes() -> list[str]:
    changed = []
    for name, saved in _modules.items():
        module = sys.modules.get(name)
        if module is None:
            changed.append(name)
            continue
        managed = KERNEL_MANAGED.get(name, set())
        changed += [
            f"{name}.{attr}"
            for attr, value in saved.items()
            if attr not in managed and vars(module).get(attr, saved) is not value
        ]
    return changed


def rebound_aliases(namespace: dict) -> list[str]:
    """Names in the notebook that point at a module object other than the one imported under its name."""
    return [
        alias
        for alias, value in namespace.items()
        if isinstance(value, types.ModuleType)
        and value.__name__ in _modules
        and sys.modules.get(value.__name__) is not value
    ]


def restore_hooks(shell) -> None:
    for name in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        getattr(shell, name)[:] = _hooks[name]
    for event, callbacks in shell.events.callbacks.items():
        callbacks[:] = _hooks["events"].get(event, [])


def verify() -> None:
    """Undo hooks the submission installed and fail if it replaced what the tests use."""
    if not _modules:
        raise TamperingDetected("the submission removed the grader's record of the modules it watches")
    sys.settrace(None)
    sys.setprofile(None)
    shell = get_ipython_shell()
    namespace = shell.user_ns if shell is not None else {}
    if shell is not None:
        restore_hooks(shell)
    problems = changed_attributes() + [f"the name {alias!r}" for alias in rebound_aliases(namespace)]
    if problems:
        raise TamperingDetected("the submission replaced " + ", ".join(sorted(problems)[:8]))
    helpers = sys.modules[HELPERS]
    namespace.update(
        {name: getattr(helpers, name) for name in namespace if hasattr(helpers, name) and not name.startswith("_")}
    )
