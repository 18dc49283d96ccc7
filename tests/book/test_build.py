"""The book builds strictly (any error or warning fails it) and the pages work offline."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from autograder.course import COURSE_ROOT, chapters
from autograder.integrity import toc_files

JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
EXTERNAL = ("http://", "https://", "//")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The HTML book, built strictly into a scratch folder."""
    output = tmp_path_factory.mktemp("book")
    result = subprocess.run(
        [
            JUPYTER_BOOK,
            "build",
            str(COURSE_ROOT),
            "--builder",
            "html",
            "-W",
            "-n",
            "--keep-going",
            "--path-output",
            str(output),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"strict book build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    return output / "_build" / "html"


def toc_pages() -> list[str]:
    return toc_files(yaml.safe_load((COURSE_ROOT / "_toc.yml").read_text()))


def page(site: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / f"{name}.html").read_text(), "html.parser")


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
def test_every_image_on_a_page_exists(site, name):
    for img in page(site, name).find_all("img"):
        target = (site / name).parent / img["src"]
        assert target.is_file(), f"{name}.html shows a missing image {img['src']}"
        assert img.get("alt") is not None, f"{name}.html has an image without alt text: {img['src']}"


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
def test_chapter_page_has_plots_and_downloads_its_notebook(site, chapter):
    name = next(n for n in toc_pages() if Path(n).name == chapter)
    soup = page(site, name)
    assert soup.select(".cell_output img"), f"{name}.html shows no plot"
    downloads = [a["href"] for a in soup.select("a.download") if a["href"].endswith(f"{chapter}.ipynb")]
    assert downloads, f"{name}.html does not offer the {chapter} notebook for download"
    assert (site / name).parent.joinpath(downloads[0]).is_file()


BROKEN_PAGES = {
    "a cell that raises": '```{code-cell} ipython3\nraise ValueError("broken on purpose")\n```\n',
    "a dangling reference": "See {ref}`a-label-that-does-not-exist`.\n",
}


def build_single_page(folder: Path, body: str) -> subprocess.CompletedProcess:
    """Build, with the book's own configuration, a one-page book whose page holds ``body``."""
    shutil.copy(COURSE_ROOT / "_config.yml", folder)
    shutil.copytree(COURSE_ROOT / "book" / "_ext", folder / "book" / "_ext")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    header = (COURSE_ROOT / "book" / "index.md").read_text().split("---\n")[1]
    (folder / "page.md").write_text(f"---\n{header}---\n\n# A page\n\n{body}")
    command = [JUPYTER_BOOK, "build", str(folder), "--builder", "html", "-W", "-n", "--keep-going"]
    return subprocess.run(command, capture_output=True, text=True)


def test_single_page_build_passes_when_the_page_is_sound(tmp_path):
    result = build_single_page(tmp_path, '```{code-cell} ipython3\nprint("fine")\n```\n')
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("fault", BROKEN_PAGES)
def test_strict_build_fails_on_a_broken_page(tmp_path, fault):
    """The book's own configuration turns an error or a warning on any page into a failed build."""
    result = build_single_page(tmp_path, BROKEN_PAGES[fault])
    assert result.returncode != 0, f"the build passed despite {fault}"
