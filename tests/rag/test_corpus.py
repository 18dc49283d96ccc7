"""Loading the course's pages: toc order, notebooks' markdown, and clear errors for bad files."""

import pytest

from rag.corpus import CorpusError, book_pages, course_root, toc_files


def test_pages_follow_the_toc_then_the_notebooks(course):
    pages = book_pages(course)
    assert [page.source for page in pages] == [
        "book/index.md",
        "book/a/vectors.md",
        "notebooks/vectors/vectors.ipynb",
    ]
    assert pages[2].text == "# Exercises on vector databases\n\nWrite a filter."
    assert [page.source for page in book_pages(course, notebooks=False)] == ["book/index.md", "book/a/vectors.md"]


def test_course_root_is_found_from_inside(course):
    assert course_root(course / "book" / "a") == course.resolve()
    assert course_root().joinpath("_toc.yml").is_file()


def test_the_real_book_lists_its_pages():
    files = toc_files(course_root())
    assert files[0] == "book/index.md"
    assert "book/part4/similar_sentences.md" in files


def test_missing_page_is_named(course):
    (course / "book" / "a" / "vectors.md").unlink()
    with pytest.raises(CorpusError, match=r"book/a/vectors.md: the file does not exist"):
        book_pages(course)


def test_non_utf8_page_is_named(course):
    (course / "book" / "index.md").write_bytes(b"# Title\n\xff\xfe bad bytes\n")
    with pytest.raises(CorpusError, match=r"book/index.md: not valid UTF-8"):
        book_pages(course)


def test_broken_notebook_is_named(course):
    (course / "notebooks" / "vectors" / "vectors.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"notebooks/vectors/vectors.ipynb: not a Jupyter notebook"):
        book_pages(course)


def test_no_toc_anywhere_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="no _toc.yml"):
        course_root(tmp_path)


BIBLIOGRAPHY = """@article{vaswani2017attention,
  author    = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki},
  year      = {2017},
}

@misc{nbgrader,
  author    = {{Project Jupyter} and Blank, Douglas},
  year      = {2019},
}

@misc{hnsw,
  author    = {Malkov, Yu. A. and Yashunin, D. A.},
}
"""


def test_citations_read_as_the_book_shows_them(course):
    (course / "book" / "reference").mkdir(parents=True)
    (course / "book" / "reference" / "references.bib").write_text(BIBLIOGRAPHY, encoding="utf-8")
    page = course / "book" / "index.md"
    page.write_text(
        "As {cite:t}`vaswani2017attention` showed, with a graph {cite:p}`hnsw` and a grader {cite}`nbgrader`; "
        "{cite:p}`unknown2020` stays.\n",
        encoding="utf-8",
    )
    text = book_pages(course, notebooks=False)[0].text
    assert text == (
        "As Vaswani et al. (2017) showed, with a graph (Malkov and Yashunin, n.d.) and a grader "
        "(Project Jupyter and Blank, 2019); (unknown2020) stays.\n"
    )
