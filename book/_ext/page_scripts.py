"""Each script of a page once.

sphinx-thebe (loaded by Jupyter Book) registers an inline script that declares ``const THEBE_JS_URL``; Sphinx 7.4
lists that inline script twice, and the second declaration is an error in the reader's browser console.
"""


def script_identity(script) -> tuple:
    """What makes two script entries the same script: its file (None and "" alike) and its attributes."""
    attributes = tuple(sorted((key, str(value)) for key, value in getattr(script, "attributes", {}).items()))
    return getattr(script, "filename", script) or "", attributes


def drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    seen = set()
    unique = []
    for script in context.get("script_files", []):
        identity = script_identity(script)
        if identity not in seen:
            seen.add(identity)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
