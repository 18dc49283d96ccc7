"""Serve MathJax from the built site itself, so math renders with no network.

The MathJax 3 distribution comes from the ``django-static-mathjax`` wheel (pinned in
requirements.txt); it is copied into ``_static/mathjax`` of the HTML output.
"""

import shutil
from importlib.resources import files
from pathlib import Path

MATHJAX_DIR = "mathjax"
MATHJAX_ENTRY = "tex-chtml.js"


def mathjax_distribution() -> Path:
    """The folder of the packaged MathJax ES5 build (the one that holds tex-chtml.js)."""
    folder = Path(str(files("mathjax"))) / "static" / "mathjax" / "es5"
    if not (folder / MATHJAX_ENTRY).is_file():
        raise FileNotFoundError(f"MathJax not found at {folder}: install django-static-mathjax (requirements.txt).")
    return folder


def use_local_mathjax(app, config) -> None:
    """Point Sphinx's MathJax script at the copy served from ``_static``."""
    mathjax_distribution()
    config.mathjax_path = f"{MATHJAX_DIR}/{MATHJAX_ENTRY}"


def copy_mathjax(app, exception) -> None:
    """Copy the MathJax build into the HTML output once the build has succeeded."""
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / MATHJAX_DIR
        shutil.copytree(mathjax_distribution(), target, dirs_exist_ok=True)


def setup(app):
    app.connect("config-inited", use_local_mathjax)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
