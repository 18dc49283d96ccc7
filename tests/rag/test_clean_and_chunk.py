"""Cleaning MyST pages and chunking them: what a reader sees is kept, build markup goes, metadata is right."""

import pytest

from rag.chunk import Chunk, ChunkSettings, chunk_id, chunk_page, chunk_pages
from rag.clean import clean_page
from rag.corpus import Page


def test_front_matter_comments_and_targets_are_removed():
    text = "---\njupytext: {}\n---\n(my-label)=\n# Title\n\n<!-- a note\nfor maintainers -->Body text.\n"
    assert clean_page(text) == "# Title\n\nBody text.\n"


def test_admonition_becomes_bold_title_with_its_text_and_no_options():
    text = "```{admonition} What you will build\n:class: tip\n\n- A thing.\n```\nAfter.\n"
    assert clean_page(text) == "**What you will build**\n\n- A thing.\nAfter.\n"


def test_titleless_admonition_is_named_after_its_kind():
    assert clean_page("```{note}\nRemember this.\n```\n") == "**Note**\n\nRemember this.\n"


def test_code_cell_becomes_a_plain_python_block_without_options():
    text = "```{code-cell} ipython3\n:tags: [hide-input]\nx = 1\n```\n"
    assert clean_page(text) == "```python\nx = 1\n```\n"


def test_literalinclude_leaves_one_line_naming_the_file():
    text = "```{literalinclude} ../../deploy/app.py\n:language: python\n:lines: 1-5\n```\nNext.\n"
    assert clean_page(text) == "(The file ../../deploy/app.py is shown here.)\nNext.\n"


def test_roles_keep_their_text():
    text = "{download}`Download the notebook <../../notebooks/a/a.ipynb>` and see {ref}`the intro`.\n"
    assert clean_page(text) == "Download the notebook and see the intro.\n"


def test_fences_inside_an_admonition_are_kept():
    text = "```{tip}\nRun:\n```bash\nmake test\n```\nDone.\n```\n"
    assert clean_page(text) == "**Tip**\n\nRun:\n```bash\nmake test\n```\nDone.\n"


def test_directive_syntax_inside_a_plain_code_block_is_left_alone():
    text = "````markdown\n```{note}\nx\n```\n````\n"
    assert clean_page(text) == text


def test_chunks_carry_page_section_and_heading_path(vectors_page):
    chunks = chunk_page(Page("book/a/vectors.md", vectors_page))
    sections = [chunk.section for chunk in chunks]
    assert sections == ["A.1 Vector databases", "HNSW", "Metadata filters", "Persistence"]
    assert chunks[1].heading_path == "A.1 Vector databases › HNSW"
    assert all(chunk.source == "book/a/vectors.md" for chunk in chunks)
    assert [chunk.ordinal for chunk in chunks] == [0, 1, 2, 3]


def test_a_comment_inside_a_code_cell_is_not_a_heading(vectors_page):
    filters = next(chunk for chunk in chunk_page(Page("p.md", vectors_page)) if chunk.section == "Metadata filters")
    assert "# a comment, not a heading" in filters.text
    assert "collection.query" in filters.text


def test_embedding_text_puts_the_heading_path_first(vectors_page):
    chunk = chunk_page(Page("p.md", vectors_page))[1]
    assert chunk.embedding_text == f"{chunk.heading_path}\n\n{chunk.text}"
    assert chunk.text.startswith("Chroma indexes vectors with HNSW")


def test_long_sections_are_split_with_overlap_below_the_size():
    sentences = [f"Sentence number {i} says something about vectors and graphs." for i in range(60)]
    page = Page("long.md", "# Long\n\n" + " ".join(sentences) + "\n")
    chunks = chunk_page(page, ChunkSettings(size=300, overlap=60))
    assert len(chunks) > 5
    assert all(len(chunk.text) <= 300 for chunk in chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert after.text[:20] in before.text, "consecutive chunks of one section should overlap"


def test_chunk_ids_are_stable_and_change_with_the_text(vectors_page):
    first = chunk_page(Page("p.md", vectors_page))
    again = chunk_page(Page("p.md", vectors_page))
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in first}) == len(first)
    edited = chunk_page(Page("p.md", vectors_page.replace("a larger value", "a bigger value")))
    changed = [a.chunk_id != b.chunk_id for a, b in zip(first, edited, strict=True)]
    assert changed == [False, True, False, False]
    assert chunk_id("p.md", 0, "x") != chunk_id("q.md", 0, "x")


def test_empty_page_gives_no_chunks_and_pages_are_concatenated(vectors_page):
    assert chunk_page(Page("empty.md", "---\na: 1\n---\n\n")) == []
    both = chunk_pages([Page("p.md", vectors_page), Page("q.md", "# Q\n\nText.\n")])
    assert both[-1] == Chunk(both[-1].chunk_id, "q.md", "Q", "Q", "Text.", 0, both[-1].page_sha256)


@pytest.mark.parametrize(("size", "overlap"), [(50, 0), (1000, 600), (1000, -1), ("1000", 100)])
def test_bad_chunk_settings_are_refused(size, overlap):
    with pytest.raises(ValueError, match="chunk"):
        ChunkSettings(size=size, overlap=overlap)
