"""Answer a question about the course: retrieve, refuse when nothing relevant is found, prompt, generate, cite.

``Tutor.ask`` runs the whole chain and keeps the chat history. Two safeguards do not rely on the small generator:
the refusal gate (when the best passage's cosine similarity to the question is below ``min_relevance``, the answer
is "I don't know." without calling the model) and the citations (the passage numbers the model wrote; when it wrote
none, each answer sentence is attributed to the passage that shares most of its words, and the answer says so).
"""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from rag.prompt import PROMPT, REFUSAL, prompt_inputs
from rag.retrieve import DenseRetriever, Hit, Retriever, check_query, tokenize

CITATION = re.compile(r"\[(\d+)\]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
DEFAULT_MIN_RELEVANCE = 0.35
DEFAULT_TOP_K = 4
HISTORY_TURNS = 2


@dataclass(frozen=True)
class Answer:
    """The answer, the passages it cites (numbers refer to ``hits``), and how long each stage took.

    ``gated`` means the refusal gate answered without calling the model; ``refused`` covers the model refusing too.
    """

    question: str
    text: str
    hits: list[Hit]
    cited: list[int]
    attributed: bool
    refused: bool
    gated: bool
    relevance: float
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def citations(self) -> list[Hit]:
        return [self.hits[number - 1] for number in self.cited]


def cited_numbers(text: str, n_passages: int) -> list[int]:
    """The passage numbers cited as ``[n]`` in ``text``, in order of first appearance, ignoring invalid ones."""
    numbers = [int(match) for match in CITATION.findall(text)]
    return list(dict.fromkeys(number for number in numbers if 1 <= number <= n_passages))


def attribute(text: str, hits: list[Hit]) -> list[int]:
    """For an answer without citations: per sentence, the passage sharing most of its content words (if any)."""
    passages = [set(tokenize(hit.chunk.text)) for hit in hits]
    numbers = []
    for sentence in SENTENCE_END.split(text):
        words = set(tokenize(sentence))
        overlaps = [len(words & passage) for passage in passages]
        if words and max(overlaps, default=0) > 0:
            numbers.append(overlaps.index(max(overlaps)) + 1)
    return list(dict.fromkeys(numbers))


def milliseconds(seconds: dict[str, float]) -> dict[str, float]:
    return {stage: round(value * 1000, 1) for stage, value in seconds.items()}


def is_refusal(text: str) -> bool:
    return "i don't know" in text.lower().replace("’", "'")


class Tutor:
    """A RAG chat over the course: one ``retriever`` for the passages, the ``dense`` one for the refusal gate."""

    def __init__(
        self,
        retriever: Retriever,
        dense: DenseRetriever,
        chat_model: BaseChatModel,
        top_k: int = DEFAULT_TOP_K,
        min_relevance: float = DEFAULT_MIN_RELEVANCE,
        history_turns: int = HISTORY_TURNS,
    ):
        self.retriever = retriever
        self.dense = dense
        self.chain = PROMPT | chat_model | StrOutputParser()
        self.top_k = top_k
        self.min_relevance = min_relevance
        self.history_turns = history_turns
        self.history: list[tuple[str, str]] = []

    def retrieve(self, question: str) -> tuple[list[Hit], float]:
        """The passages for ``question`` and the cosine similarity of the most relevant chunk."""
        check_query(question, self.top_k)
        best = self.dense.search(question, 1)
        return self.retriever.search(question, self.top_k), best[0].score if best else 0.0

    def ask(self, question: str) -> Answer:
        """Answer ``question`` (with the last turns of the chat as context) and add the turn to the history."""
        *_, answer = self.stream_answer(question, stream=False)
        return answer

    def gated(self, hits: list[Hit], relevance: float) -> bool:
        """Whether the refusal gate answers: nothing retrieved, or nothing close enough to the question."""
        return not hits or relevance < self.min_relevance

    def stream(self, question: str) -> Iterator[str]:
        """The answer's text piece by piece as the model writes it; the finished turn joins the history."""
        for item in self.stream_answer(question):
            if isinstance(item, str):
                yield item

    def stream_answer(self, question: str, stream: bool = True) -> Iterator[str | Answer]:
        """``stream``, then the finished ``Answer`` (citations and timings) as the last item.

        With ``stream=False`` the model is called once for the whole text (``invoke``), which some models do faster.
        """
        started = time.perf_counter()
        hits, relevance = self.retrieve(question)
        retrieved = time.perf_counter()
        gated = self.gated(hits, relevance)
        inputs = prompt_inputs(question, hits, self.history[-self.history_turns :])
        if gated:
            pieces = iter([REFUSAL])
        elif stream:
            pieces = self.chain.stream(inputs)
        else:
            pieces = iter([self.chain.invoke(inputs)])
        text = ""
        for piece in pieces:
            text += piece
            yield piece
        generated = time.perf_counter()
        seconds = {"retrieve": retrieved - started, "generate": generated - retrieved, "total": generated - started}
        yield self.finish(question, text.strip(), hits, relevance, gated, milliseconds(seconds))

    def finish(
        self, question: str, text: str, hits: list[Hit], relevance: float, gated: bool, timings_ms: dict | None = None
    ) -> Answer:
        """Resolve the citations of a generated ``text`` and record the turn."""
        refused = is_refusal(text)
        cited = [] if refused else cited_numbers(text, len(hits))
        attributed = not refused and not cited
        if attributed:
            cited = attribute(text, hits)
        self.history.append((question, text))
        return Answer(question, text, hits, cited, attributed, refused, gated, relevance, timings_ms or {})

    def reset(self) -> None:
        """Forget the chat so far."""
        self.history.clear()
