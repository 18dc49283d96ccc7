"""Split cleaned pages into retrieval chunks: by headings first, then by length with overlap inside long sections.

Each chunk keeps where it comes from (page, the deepest heading above it and the heading path) and gets an id made
from its page, position and text, so the same page always gives the same ids and a changed chunk a new one.
"""

import hashlib
from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from rag.clean import clean_page
from rag.corpus import Page

HEADING_LEVELS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class ChunkSettings:
    """Target chunk length and the overlap between consecutive chunks of one section, in characters."""

    size: int = 1000
    overlap: int = 150

    def __post_init__(self):
        if not isinstance(self.size, int) or self.size < 100:
            raise ValueError(f"chunk size must be an integer of at least 100 characters, not {self.size!r}")
        if not isinstance(self.overlap, int) or not 0 <= self.overlap < self.size // 2:
            raise ValueError(f"chunk overlap must be an integer in [0, size / 2), not {self.overlap!r}")


DEFAULT_CHUNKING = ChunkSettings()


@dataclass(frozen=True)
class Chunk:
    """A passage of one page, with the metadata that retrieval filters on and citations show."""

    chunk_id: str
    source: str
    section: str
    heading_path: str
    text: str
    ordinal: int
    page_sha256: str

    @property
    def embedding_text(self) -> str:
        """What is embedded and indexed: the heading path gives a passage the context its page gives a reader."""
        return f"{self.heading_path}\n\n{self.text}" if self.heading_path else self.text

    def metadata(self) -> dict[str, str | int]:
        """The fields stored beside the vector (Chroma metadata: flat strings and numbers)."""
        return {
            "source": self.source,
            "section": self.section,
            "heading_path": self.heading_path,
            "ordinal": self.ordinal,
            "page_sha256": self.page_sha256,
        }


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chunk_id(source: str, ordinal: int, text: str) -> str:
    """A stable id: the same page, position and text always give the same 20 hex digits."""
    return sha256(f"{source}\0{ordinal}\0{text}")[:20]


def chunk_page(page: Page, settings: ChunkSettings = DEFAULT_CHUNKING) -> list[Chunk]:
    """The chunks of one page, in reading order; a page without text gives none."""
    by_heading = MarkdownHeaderTextSplitter(HEADING_LEVELS, strip_headers=True)
    by_length = RecursiveCharacterTextSplitter(
        chunk_size=settings.size,
        chunk_overlap=settings.overlap,
        separators=["\n\n", "\n", ". ", " ", ""],
        keep_separator="end",
    )
    page_hash = sha256(page.text)
    chunks: list[Chunk] = []
    for section in by_heading.split_text(clean_page(page.text)):
        headings = [section.metadata[key] for _, key in HEADING_LEVELS if key in section.metadata]
        for text in by_length.split_text(section.page_content):
            text = text.strip()
            if not text:
                continue
            ordinal = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(page.source, ordinal, text),
                    source=page.source,
                    section=headings[-1] if headings else "",
                    heading_path=PATH_SEPARATOR.join(headings),
                    text=text,
                    ordinal=ordinal,
                    page_sha256=page_hash,
                )
            )
    return chunks


def chunk_pages(pages: list[Page], settings: ChunkSettings = DEFAULT_CHUNKING) -> list[Chunk]:
    """The chunks of every page, page after page."""
    return [chunk for page in pages for chunk in chunk_page(page, settings)]
