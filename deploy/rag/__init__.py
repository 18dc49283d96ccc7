"""Retrieval-augmented answers about the course (Part 5): corpus, clean, chunk, store, retrieve, prompt, generate."""

from rag.answer import Answer, Tutor
from rag.pipeline import KnowledgeBase, build_knowledge_base, tutor

__all__ = ["Answer", "KnowledgeBase", "Tutor", "build_knowledge_base", "tutor"]
