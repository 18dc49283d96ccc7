"""The book builds strictly (any error or warning fails it), its pages work offline and every link lands."""

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from autograder.book import JUPYTER_BOOK, STRICT_HTML_BUILD
from autograder.course import COURSE_ROOT, chapters
from autograder.integrity import toc_files

pytestmark = pytest.mark.timeout(2400)  # the shared strict build runs before the first test that needs it

EXTERNAL = ("http://", "https://", "//")
NOT_A_PAGE_LINK = ("mailto:", "javascript:", "data:")


def toc_pages() -> list[str]:
    return toc_files(yaml.safe_load((COURSE_ROOT / "_toc.yml").read_text()))


def chapter_page(chapter: str) -> str:
    return next(name for name in toc_pages() if Path(name).name == chapter)


def page(site: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / f"{name}.html").read_text(), "html.parser")


def article(soup: BeautifulSoup) -> BeautifulSoup:
    """The page's own content, without the theme's navigation."""
    return soup.select_one("article.bd-article")


@pytest.mark.parametrize("name", toc_pages())
def test_every_toc_page_is_built(site, name):
    assert (site / f"{name}.html").is_file(), f"{name}.html was not built"


@pytest.mark.parametrize("name", toc_pages())
def test_page_loads_nothing_from_other_hosts(site, name):
    soup = page(site, name)
    external = [tag.get("src") or tag.get("href") for tag in soup.find_all(["script", "img", "link", "iframe"])]
    external = [
        url for url in external if url and url.startswith(EXTERNAL) and not soup.find("link", href=url, rel="canonical")
    ]
    assert not external, f"{name}.html loads from other hosts: {external}"


@pytest.mark.parametrize("name", toc_pages())
def test_every_image_exists_and_says_what_it_shows(site, name):
    for img in page(site, name).find_all("img"):
        target = (site / name).parent / img["src"]
        assert target.is_file(), f"{name}.html shows a missing image {img['src']}"
        alt = img.get("alt", "").strip()
        assert alt, f"{name}.html has an image without alt text: {img['src']}"
        assert not re.search(r"_images/|\.(png|jpe?g|svg)$", alt), f"{name}.html: {img['src']} has a path as alt text"


@pytest.mark.parametrize("name", toc_pages())
def test_headings_go_down_one_level_at_a_time(site, name):
    """One title per page, and no skipped level (an h2 followed by an h4 loses screen-reader users)."""
    levels = [int(tag.name[1]) for tag in article(page(site, name)).find_all(re.compile(r"^h[1-6]$"))]
    assert levels.count(1) == 1, f"{name}.html has {levels.count(1)} h1 headings, not one"
    skips = [(before, after) for before, after in zip(levels, levels[1:], strict=False) if after > before + 1]
    assert not skips, f"{name}.html skips heading levels: {skips} (h<before> followed by h<after>)"


@functools.cache
def anchors(path: Path) -> frozenset[str]:
    """Every id on an HTML page: the targets of #anchor links."""
    return frozenset(tag["id"] for tag in BeautifulSoup(path.read_text(), "html.parser").find_all(id=True))


def link_problem(site: Path, name: str, href: str) -> str | None:
    """What is wrong with a link of the page ``name`` to a local target, or None if it lands."""
    parts = urlsplit(href)
    source = site / f"{name}.html"
    target = (source.parent / unquote(parts.path)).resolve() if parts.path else source
    if not target.is_file():
        return f"{href}: no file {os.path.relpath(target, site.resolve())}"
    if parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors(target):
        return f"{href}: no anchor #{parts.fragment} in {target.name}"
    return None


@pytest.mark.parametrize("name", toc_pages())
def test_every_local_link_lands(site, name):
    """A link check restricted to the site itself: each file exists and each #anchor is on its page."""
    hrefs = {a["href"] for a in page(site, name).find_all("a", href=True)}
    local = [href for href in hrefs if not href.startswith(EXTERNAL + NOT_A_PAGE_LINK)]
    assert local, f"{name}.html has no local link: the check would test nothing"
    broken = [problem for href in sorted(local) if (problem := link_problem(site, name, href))]
    assert not broken, f"{name}.html has broken links:\n" + "\n".join(broken)


def test_math_is_rendered_by_the_local_mathjax(site):
    pages_with_math = [name for name in toc_pages() if page(site, name).select(".math")]
    assert pages_with_math, "no page has math: the check below would test nothing"
    for name in pages_with_math:
        scripts = [
            tag["src"] for tag in page(site, name).find_all("script", src=True) if "mathjax" in tag["src"].lower()
        ]
        assert scripts, f"{name}.html has math but loads no MathJax"
        for src in scripts:
            local = (site / name).parent / src.split("?")[0]
            assert local.is_file(), f"{name}.html loads MathJax from {src}, which is not in the site"


def test_landing_page_shows_the_roadmap_figure(site):
    soup = page(site, "book/index")
    assert soup.find("h1").get_text().startswith("ML Engineer"), "the landing page title is wrong"
    assert soup.select(".cell_output img"), "the roadmap figure was not rendered on the landing page"


@pytest.mark.parametrize("chapter", chapters())
def test_chapter_page_opens_with_what_you_build_and_what_to_know(site, chapter):
    name = chapter_page(chapter)
    titles = [title.get_text(strip=True) for title in article(page(site, name)).select(".admonition-title")]
    for box in ("What you will build", "What you should know first"):
        assert box in titles[:3], f"{name}.html does not open with a '{box}' box (its first boxes: {titles[:3]})"


@pytest.mark.parametrize("chapter", chapters())
def test_chapter_page_hands_out_its_graded_notebook(site, chapter):
    name = chapter_page(chapter)
    soup = page(site, name)
    assert soup.select(".cell_output img"), f"{name}.html shows no plot"
    box = soup.select_one(".graded-notebook")
    assert box is not None, f"{name}.html has no graded-notebook box"
    download = box.select_one("a.download")
    assert download and download["href"].endswith(f"/{chapter}.ipynb"), f"{name}.html does not offer {chapter}.ipynb"
    downloaded = (site / name).parent / download["href"]
    assert downloaded.read_bytes() == (COURSE_ROOT / "notebooks" / chapter / f"{chapter}.ipynb").read_bytes()
    notebook = f"notebooks/{chapter}/{chapter}.ipynb"
    launches = {a.get_text(strip=True): a["href"] for a in box.select("a.launch-link")}
    assert set(launches) == {"Binder", "Colab"}, f"{name}.html launches on {sorted(launches)}"
    assert all(url.endswith(notebook) for url in launches.values()), f"{name}.html launches {launches}"
    repository = yaml.safe_load((COURSE_ROOT / "_config.yml").read_text())["repository"]["url"]
    colab_setup = box.select_one(".admonition.dropdown pre")
    assert colab_setup and f"{repository} course" in colab_setup.get_text(), f"{name}.html: no Colab set-up cell"
    header = [a["href"] for a in soup.select(".dropdown-launch-buttons a")]
    assert sorted(header) == sorted(launches.values()), f"{name}.html's launch menu opens {header}, not the notebook"


@pytest.mark.parametrize("name", ["book/index", "book/part1/overview", "book/guides/roadmap"])
def test_pages_without_a_notebook_have_no_launch_menu(site, name):
    assert not page(site, name).select(".dropdown-launch-buttons"), f"{name}.html offers to launch itself"


def test_solutions_are_not_in_the_student_book(site):
    assert not (site / "solutions").exists(), "the student book renders the solution notebooks"
    downloads = list((site / "_downloads").rglob("*.ipynb"))
    assert len(downloads) == len(chapters()), f"{len(downloads)} notebooks to download, {len(chapters())} chapters"
    leaks = [path.name for path in downloads if "BEGIN SOLUTION" in path.read_text()]
    assert not leaks, f"downloadable notebooks that hold solutions: {leaks}"


def build_single_page(
    folder: Path, body: str, config: dict | None = None, more_pages: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Build, with the book's own configuration (changed by ``config``), a book whose page holds ``body``.

    ``more_pages`` maps the names of further pages to their bodies. Building again into the same ``folder`` is
    an incremental build, as an author's second ``make book`` is.
    """
    settings = yaml.safe_load((COURSE_ROOT / "_config.yml").read_text())
    (folder / "_config.yml").write_text(yaml.safe_dump({**settings, **(config or {})}))
    for assets in ("_ext", "images"):
        shutil.copytree(COURSE_ROOT / "book" / assets, folder / "book" / assets, dirs_exist_ok=True)
    for path in settings["bibtex_bibfiles"]:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        if not (folder / path).is_file():  # a new time stamp would make Sphinx re-read every citing page
            shutil.copy(COURSE_ROOT / path, folder / path)
    notebook = Path("notebooks") / "linear_regression"
    shutil.copytree(COURSE_ROOT / notebook, folder / notebook, dirs_exist_ok=True)
    pages = {"page": body, **(more_pages or {})}
    chapters = "".join(f"  - file: {name}\n" for name in list(pages)[1:])
    (folder / "_toc.yml").write_text("format: jb-book\nroot: page\n" + (f"chapters:\n{chapters}" if chapters else ""))
    header = (COURSE_ROOT / "book" / "index.md").read_text().split("---\n")[1]
    for name, text in pages.items():
        page_file, source = folder / f"{name}.md", f"---\n{header}---\n\n# {name}\n\n{text}"
        if not page_file.is_file() or page_file.read_text() != source:  # an unchanged page keeps its time stamp
            page_file.write_text(source)
    return subprocess.run([JUPYTER_BOOK, "build", str(folder), *STRICT_HTML_BUILD], capture_output=True, text=True)


def test_single_page_build_passes_when_the_page_is_sound(tmp_path):
    result = build_single_page(tmp_path, '```{code-cell} ipython3\nprint("fine")\n```\n')
    assert result.returncode == 0, result.stdout[-3000:]


# A broken page, and what the failed build must say about it.
BROKEN_PAGES = {
    "a cell that raises": ('```{code-cell} ipython3\nraise ValueError("on purpose")\n```\n', "on purpose"),
    "a dangling reference": ("See {ref}`a-label-that-does-not-exist`.\n", "a-label-that-does-not-exist"),
    "an unknown glossary term": ("A {term}`word no glossary defines`.\n", "word no glossary defines"),
    "a graded notebook that does not exist": ("```{graded-notebook} no_such_chapter\n```\n", "no_such_chapter"),
}


@pytest.mark.parametrize("fault", BROKEN_PAGES)
def test_strict_build_fails_on_a_broken_page(tmp_path, fault):
    """The book's own configuration turns an error or a warning on any page into a failed build that says why."""
    body, message = BROKEN_PAGES[fault]
    result = build_single_page(tmp_path, body)
    assert result.returncode != 0, f"the build passed despite {fault}"
    assert message in result.stdout + result.stderr, f"the failed build does not name {fault}: {result.stdout[-2000:]}"


def test_a_configured_jupyterhub_gets_a_launch_link_that_pulls_the_repository(tmp_path):
    hub = {"launch_buttons": {"notebook_interface": "jupyterlab", "jupyterhub_url": "https://hub.example.edu/"}}
    result = build_single_page(tmp_path, "```{graded-notebook} linear_regression\n```\n", hub)
    assert result.returncode == 0, result.stdout[-3000:]
    html = BeautifulSoup((tmp_path / "_build" / "html" / "page.html").read_text(), "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in html.select(".graded-notebook a.launch-link")}
    assert set(links) == {"JupyterHub"}, f"launch links {links}: only the configured service should have one"
    assert links["JupyterHub"].startswith("https://hub.example.edu/hub/user-redirect/git-pull?repo=https")
    assert "urlpath=lab/tree/ml-engineers-roadmap/notebooks/linear_regression/linear_regression.ipynb" in unquote(
        links["JupyterHub"]
    )


def test_a_rebuild_lists_what_the_pages_cite_now(tmp_path):
    """After a citation changes on one page, an incremental build's bibliography page lists the new work only."""
    bibliography = {"works": "```{bibliography}\n```\n"}
    for cited, present, absent in (
        ("vaswani2017attention", "Vaswani", "Kingma"),
        ("kingma2015adam", "Kingma", "Vaswani"),
    ):
        result = build_single_page(tmp_path, f"As {{cite:t}}`{cited}` show.\n", more_pages=bibliography)
        assert result.returncode == 0, result.stdout[-3000:]
        works = BeautifulSoup((tmp_path / "_build" / "html" / "works.html").read_text(), "html.parser")
        listed = " ".join(entry.get_text(" ", strip=True) for entry in works.select(".citation"))
        assert present in listed and absent not in listed, f"after citing {cited}, the bibliography lists: {listed}"
