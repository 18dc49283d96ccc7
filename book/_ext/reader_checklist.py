"""Checklists a reader can tick: the task lists of a page, remembered by the reader's own browser.

MyST's ``tasklist`` extension renders ``- [ ] item`` as disabled checkboxes; ``static/reader_checklist.js``
enables them and keeps their state in the browser's localStorage (nothing leaves the reader's machine).
"""

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


def add_static_folder(app, config) -> None:
    config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("config-inited", add_static_folder)
    app.add_js_file("reader_checklist.js")
    app.add_css_file("reader_checklist.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
