"""One colour-blind-safe look for every plot of the book, set once.

The kernels that execute the pages inherit this process's environment, so pointing ``MATPLOTLIBRC`` at the
book's ``matplotlibrc`` (the Okabe-Ito colour cycle, viridis for images, white figure backgrounds that read in
dark mode too) gives every page the same defaults without a line of code in the pages.
"""

import os
from pathlib import Path

MATPLOTLIBRC = Path(__file__).resolve().parent / "matplotlibrc"


def use_book_matplotlibrc(app, config) -> None:
    if not MATPLOTLIBRC.is_file():
        raise FileNotFoundError(f"the book's matplotlib defaults are missing: {MATPLOTLIBRC}")
    os.environ["MATPLOTLIBRC"] = str(MATPLOTLIBRC)


def setup(app):
    app.connect("config-inited", use_book_matplotlibrc)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
