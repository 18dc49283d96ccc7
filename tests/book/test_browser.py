"""The built book in a real browser (Debian's Chromium driven by Playwright), served over loopback HTTP.

Every page loads with no script error, nothing from other hosts, all its images and its math typeset;
search finds chapters; text is readable in light and dark mode; the roadmap's checklist remembers its ticks.
Screenshots of the pages go to _build/screenshots.
"""

import functools
import http.server
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import sync_playwright

from autograder.course import COURSE_ROOT

pytestmark = pytest.mark.timeout(2400)  # the shared strict build may run before the first test

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = COURSE_ROOT / "_build" / "screenshots"
LOCAL_SCHEMES = ("data", "blob", "about")

# The landing page, one chapter of each part, the guides and reference pages, and the search page.
PAGES = [
    "index.html",
    "book/part1/linear_regression.html",
    "book/part2/sentiment_classifier.html",
    "book/part3/serving_fastapi.html",
    "book/part4/transformer.html",
    "book/part5/rag_tutor.html",
    "book/part6/rag_service.html",
    "book/guides/roadmap.html",
    "book/reference/glossary.html",
    "search.html",
]
REDIRECTS = {"index.html": "book/index.html"}
# Terms only a few chapters use, and a chapter search must find for each.
SEARCHES = {
    "reciprocal rank fusion": "book/part5/rag_tutor.html",
    "backpropagation": "book/part1/neural_network.html",
    "uvicorn": "book/part3/serving_fastapi.html",
}
CHAPTER = "book/part1/linear_regression.html"
ROADMAP = "book/guides/roadmap.html"
WCAG_AA = 4.5

BROKEN_IMAGES = "() => [...document.images].filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"

# Problems with the math of the page, once MathJax has finished typesetting it.
MATH_PROBLEMS = r"""async () => {
  if (!document.querySelector(".math")) return [];
  if (!window.MathJax?.startup?.promise) return ["the page has math but MathJax did not load"];
  await window.MathJax.startup.promise;
  const problems = [];
  if (!document.querySelector("mjx-container")) problems.push("MathJax typeset no math (no mjx-container)");
  // Code and its printed output may show TeX as text; only prose must have none left.
  const prose = document.body.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, mjx-container").forEach((element) => element.remove());
  const text = prose.textContent;
  for (const delimiter of ["\\(", "\\[", "$$"]) {
    const at = text.indexOf(delimiter);
    if (at >= 0) problems.push(`raw TeX ${delimiter} left: ${text.slice(at, at + 40).replace(/\s+/g, " ")}`);
  }
  return problems;
}"""

# The colour of the chapter's body text, and the background painted behind it (the nearest non-transparent one).
TEXT_COLOURS = """() => {
  const text = document.querySelector("article.bd-article section > p");
  let painted = text;
  while (painted && ["transparent", "rgba(0, 0, 0, 0)"].includes(getComputedStyle(painted).backgroundColor))
    painted = painted.parentElement;
  return [getComputedStyle(text).color, painted ? getComputedStyle(painted).backgroundColor : "rgb(255, 255, 255)"];
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    """The base URL of the built site, served over HTTP on loopback (search needs http, not file://)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    httpd.handle_error = lambda request, client_address: None  # the browser dropping a connection is not an error
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium (Playwright downloads no browser of its own).

    Module scope: Playwright's sync API keeps an event loop running in this thread until it stops, and tests of
    other files that run after these in the same process (asyncio.run) need that loop gone.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def is_local(url: str) -> bool:
    return urlsplit(url).scheme in LOCAL_SCHEMES or urlsplit(url).hostname == "127.0.0.1"


@dataclass
class Seen:
    """What a page did that it should not: console errors, uncaught errors, requests to other hosts."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {error}" for error in self.console_errors]
            + [f"uncaught error: {error}" for error in self.page_errors]
            + [f"request to another host: {url}" for url in self.foreign_requests]
        )


@contextmanager
def open_page(browser, url: str, theme: str | None = None):
    """Open ``url`` in a fresh browser context (``theme``: "light" or "dark"); yield the page and what it did."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        if theme:
            context.add_init_script(
                f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}');"
            )
        context.route(lambda url: not is_local(url), lambda route: route.abort())  # offline: other hosts fail fast
        page = context.new_page()
        seen = Seen()
        page.on("console", lambda msg: msg.type == "error" and seen.console_errors.append(console_text(msg)))
        page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
        page.on("request", lambda request: is_local(request.url) or seen.foreign_requests.append(request.url))
        response = page.goto(url)
        assert response is not None and response.ok, f"{name_of(url)}: HTTP {response and response.status} (not built?)"
        page.wait_for_load_state("networkidle")
        yield page, seen
    finally:
        context.close()


def console_text(message) -> str:
    return f"{message.text} (at {message.location['url']})"


def name_of(url: str) -> str:
    """The page's path in the site, e.g. book/part1/linear_regression.html."""
    return urlsplit(url).path.lstrip("/")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name.removesuffix('.html').replace('/', '-')}.png", full_page=True)


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly_offline(browser, server, name):
    with open_page(browser, f"{server}/{name}") as (page, seen):
        page.wait_for_url(f"{server}/{REDIRECTS.get(name, name)}")
        page.wait_for_load_state("networkidle")
        shown = name_of(page.url)
        math = page.evaluate(MATH_PROBLEMS)
        images = [f"image {src} did not load" for src in page.evaluate(BROKEN_IMAGES)]
        screenshot(page, shown)
    problems = seen.problems() + images + math
    assert not problems, "\n".join(f"{shown}: {problem}" for problem in problems)


@pytest.mark.parametrize(("term", "chapter"), SEARCHES.items())
def test_search_finds_the_chapter(browser, server, term, chapter):
    with open_page(browser, f"{server}/search.html?q={quote(term)}") as (page, _):
        # Sphinx's searchtools.js fills the summary once the search has finished.
        page.wait_for_function("document.querySelector('#search-results p.search-summary')?.innerText")
        links = page.eval_on_selector_all(
            "#search-results ul.search li > a", "as => as.map(a => a.getAttribute('href'))"
        )
    found = sorted({link.split("#")[0] for link in links})
    assert chapter in found, f"search.html?q={term}: {chapter} is not among the results {found}"


def luminance(css_colour: str) -> float:
    """WCAG relative luminance of a computed CSS colour such as ``rgb(33, 37, 41)``."""
    assert css_colour.startswith("rgb"), f"cannot read the colour {css_colour}"
    channels = [float(c) / 255 for c in re.findall(r"[\d.]+", css_colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_is_readable(browser, server, theme):
    with open_page(browser, f"{server}/{CHAPTER}", theme=theme) as (page, _):
        active = page.evaluate("document.documentElement.dataset.theme")
        text, background = page.evaluate(TEXT_COLOURS)
        if theme == "dark":
            screenshot(page, CHAPTER.replace(".html", "-dark.html"))
    assert active == theme, f"{CHAPTER}: asked for {theme} mode, the page shows {active!r}"
    lighter, darker = sorted([luminance(text), luminance(background)], reverse=True)
    ratio = (lighter + 0.05) / (darker + 0.05)
    assert ratio >= WCAG_AA, f"{CHAPTER} ({theme} mode): text {text} on {background} has contrast {ratio:.2f} < 4.5"
    if theme == "dark":
        assert luminance(background) < luminance(text), f"{CHAPTER}: dark mode paints a light background {background}"


def test_roadmap_checklist_remembers_ticks(browser, server):
    with open_page(browser, f"{server}/{ROADMAP}") as (page, _):
        boxes = page.locator("input.task-list-item-checkbox")
        assert boxes.count() > 0, f"{ROADMAP}: no task-list checkboxes"
        assert boxes.first.is_enabled(), f"{ROADMAP}: the checkboxes are disabled (no script enabled them)"
        assert not any(boxes.evaluate_all("bs => bs.map(b => b.checked)")), f"{ROADMAP}: boxes ticked in a new browser"
        boxes.first.check()
        page.reload()
        page.wait_for_load_state("networkidle")
        ticked = boxes.evaluate_all("bs => bs.map(b => b.checked)")
    expected = [True] + [False] * (len(ticked) - 1)
    assert ticked == expected, f"{ROADMAP}: after ticking the first box and reloading, the boxes read {ticked}"
