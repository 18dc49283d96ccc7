"""Link a chapter page to its graded notebook: a download of the student version and launch links.

A chapter page says where its notebook is with

    ```{graded-notebook} linear_regression
    ```

which renders a box with the download of ``notebooks/<chapter>/<chapter>.ipynb`` and links that open that
notebook on Binder, Colab and a JupyterHub. The services and the repository come from ``_config.yml``
(``launch_buttons`` and ``repository``), the one place they are set; a service left empty there gets no link.
The theme's launch menu in the page header is pointed at the same notebook, and removed from pages that have
no graded notebook (a page's own MyST source cannot be opened on Colab).
"""

from pathlib import Path, PurePosixPath
from urllib.parse import urlencode

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

RELEASE_DIR = "notebooks"
INTERFACE_PATHS = {"classic": "tree", "jupyterlab": "lab/tree"}
LAUNCH_MENU = "launch-buttons"


def notebook_path(chapter: str) -> str:
    """The student notebook of ``chapter``, relative to the repository root."""
    return f"{RELEASE_DIR}/{chapter}/{chapter}.ipynb"


def launch_links(theme_options: dict, path: str) -> dict[str, str]:
    """The URL that opens the repository file ``path`` on each configured service, by service name."""
    launch = theme_options.get("launch_buttons", {})
    repository = theme_options.get("repository_url", "").rstrip("/")
    branch = theme_options.get("repository_branch", "main")
    interface = INTERFACE_PATHS[launch.get("notebook_interface", "classic")]
    owner, name = PurePosixPath(repository.removeprefix("https://github.com/")).parts[:2]
    hub, binder, colab = (launch.get(key, "").rstrip("/") for key in ("jupyterhub_url", "binderhub_url", "colab_url"))
    links = {}
    if binder:
        links["Binder"] = f"{binder}/v2/gh/{owner}/{name}/{branch}?urlpath={interface}/{path}"
    if colab:
        links["Colab"] = f"{colab}/github/{owner}/{name}/blob/{branch}/{path}"
    if hub:
        pull = urlencode({"repo": repository, "urlpath": f"{interface}/{name}/{path}", "branch": branch}, safe="/")
        links["JupyterHub"] = f"{hub}/hub/user-redirect/git-pull?{pull}"
    return links


def colab_setup(theme_options: dict) -> nodes.admonition:
    """A folded note with the first cell a Colab session needs: the course's helpers and data beside the notebook."""
    repository = theme_options.get("repository_url", "").rstrip("/")
    branch = theme_options.get("repository_branch", "main")
    cell = f"!git clone -q --depth 1 --branch {branch} {repository} course\n%pip install -q --no-deps -e course"
    note = nodes.admonition(classes=["note", "dropdown"])
    note += nodes.title(text="On Colab, run this in a new first cell")
    note += nodes.paragraph(
        text="Colab opens the notebook alone; this fetches the course's helpers and data. Parts 1 and 2 then run on "
        "Colab's own packages; later parts also need %pip install -r course/requirements.txt (a large download)."
    )
    note += nodes.literal_block(cell, cell, language="text")
    return note


class GradedNotebook(SphinxDirective):
    """The box that hands a reader the chapter's graded notebook."""

    required_arguments = 1
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        chapter = self.arguments[0]
        path = notebook_path(chapter)
        if not (Path(self.env.srcdir) / path).is_file():
            raise self.error(f"graded-notebook: {path} does not exist (is '{chapter}' a chapter of solutions/?)")
        box = nodes.admonition(classes=["tip", "graded-notebook"], chapter=chapter)
        box += nodes.title(text="Your graded notebook")
        download = addnodes.download_reference(
            "", "", refdoc=self.env.docname, reftarget=f"/{path}", refexplicit=True, refwarn=True
        )
        download += nodes.literal(text=f"{chapter}.ipynb")
        box += nodes.paragraph("", "", nodes.Text("Download "), download, nodes.Text(" and open it in JupyterLab."))
        links = launch_links(self.config.html_theme_options, path)
        if links:
            line = nodes.paragraph("", "", nodes.Text("Or open it online: "))
            for number, (service, url) in enumerate(links.items()):
                if number:
                    line += nodes.Text(" · ")
                line += nodes.reference(service, service, refuri=url, classes=["launch-link"])
            box += line
        if "Colab" in links:
            box += colab_setup(self.config.html_theme_options)
        return [box]


def page_chapter(doctree) -> str | None:
    """The chapter whose graded notebook the page hands out, if any."""
    boxes = [node for node in doctree.findall(nodes.admonition) if "graded-notebook" in node["classes"]]
    return boxes[0]["chapter"] if boxes else None


def point_launch_menu_at_notebook(app, pagename, templatename, context, doctree) -> None:
    """Make the header's launch menu open the page's graded notebook, or drop it where there is none."""
    buttons = context.get("header_buttons", [])
    menu = next((button for button in buttons if button.get("label") == LAUNCH_MENU), None)
    if menu is None:
        return
    chapter = page_chapter(doctree) if doctree is not None else None
    if chapter is None:
        buttons.remove(menu)
        return
    links = launch_links(app.config.html_theme_options, notebook_path(chapter))
    kept = [button for button in menu["buttons"] if button["text"] in links]
    menu["buttons"] = [{**button, "url": links[button["text"]]} for button in kept]


def setup(app):
    app.add_directive("graded-notebook", GradedNotebook)
    app.connect("html-page-context", point_launch_menu_at_notebook, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
