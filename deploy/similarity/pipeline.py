"""The whole pipeline for one document: split it into sentences, embed them, rank them against a query."""

from typing import Literal

from similarity.embed import embed
from similarity.search import ExactIndex, Match, check_k
from similarity.sentences import split_sentences

IndexKind = Literal["exact", "chroma"]
INDEX_KINDS = ("exact", "chroma")


def similar_sentences(document: str, query: str, k: int = 5, index: IndexKind = "exact") -> list[Match]:
    """The ``k`` sentences of ``document`` most similar in meaning to ``query``, best first.

    Args:
        document: the text to search; ``similarity.sentences.split_sentences`` cuts it into sentences.
        query: a sentence or phrase to look for.
        k: how many sentences to return (fewer if the document has fewer).
        index: ``"exact"`` ranks every sentence with NumPy; ``"chroma"`` searches an in-memory Chroma HNSW index
            (approximate, built for this call and deleted after it).

    Raises:
        ValueError: the document or query is empty, the document has no sentence, k < 1, or the index is unknown.
    """
    check_text("document", document)
    check_text("query", query)
    k = check_k(k)
    if index not in INDEX_KINDS:
        raise ValueError(f"index must be one of {', '.join(INDEX_KINDS)}, not {index!r}")
    sentences = split_sentences(document)
    if not sentences:
        raise ValueError("the document has no sentences (it holds only whitespace and list markers)")
    embeddings = embed(sentences)
    if index == "exact":
        return ExactIndex(sentences, embeddings).search(embed([query])[0], k)
    from similarity.chroma import ChromaIndex

    with ChromaIndex.build(sentences, embeddings) as chroma_index:
        return chroma_index.search_text([query], k)[0]  # the collection's embedding function embeds the query


def check_text(name: str, text: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string, not {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"the {name} is empty")
