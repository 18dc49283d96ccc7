"""Top-k semantically similar sentences in a document (Part 4): split, embed, search exactly or with Chroma."""

from similarity.pipeline import similar_sentences
from similarity.search import Match
from similarity.sentences import split_sentences

__all__ = ["Match", "similar_sentences", "split_sentences"]
