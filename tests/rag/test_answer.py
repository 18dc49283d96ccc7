"""The tutor's answer chain with a scripted chat model: refusal gate, citations, attribution, history, streaming."""

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

import rag.retrieve
from rag.answer import Tutor, attribute, cited_numbers, is_refusal
from rag.pipeline import tutor
from rag.prompt import REFUSAL, SYSTEM

HNSW_QUESTION = "Which HNSW parameter trades query speed for finding more true neighbours?"


class RecordingChatModel(FakeListChatModel):
    """A scripted chat model that also keeps the messages of every call."""

    calls: list = []

    def _call(self, messages, *args, **kwargs):
        self.calls.append(messages)
        return super()._call(messages, *args, **kwargs)


def scripted(*responses: str) -> RecordingChatModel:
    return RecordingChatModel(responses=list(responses), calls=[])


def test_cited_numbers_keep_valid_ones_in_first_appearance_order():
    assert cited_numbers("A [2]. B [1][2]. C [7] and [0].", 3) == [2, 1]
    assert cited_numbers("No citation here.", 3) == []


def test_attribution_picks_the_passage_sharing_most_words(knowledge_base):
    hits = knowledge_base.lexical.search("ef_search candidates persistent folder", 4)
    sections = [hit.chunk.section for hit in hits]
    numbers = attribute("The walk keeps ef_search candidates. Reopening the folder gives the collection back.", hits)
    assert [sections[n - 1] for n in numbers] == ["HNSW", "Persistence"]
    assert attribute("Completely unrelated words like banana.", hits) == []


@pytest.mark.parametrize("text", ["I don't know.", "i DON'T know", "I don’t know the answer."])
def test_refusals_are_recognised(text):
    assert is_refusal(text)


def test_answer_with_citations_points_at_the_right_chunks(knowledge_base):
    model = scripted("Raise ef_search to keep more candidates [1].")
    answer = tutor(knowledge_base, model, retriever="dense", top_k=3).ask(HNSW_QUESTION)
    assert answer.cited == [1] and not answer.attributed and not answer.refused
    assert answer.citations[0].chunk.section == "HNSW"
    assert set(answer.timings_ms) == {"retrieve", "generate", "total"}
    assert answer.relevance > 0.3


def test_the_prompt_numbers_the_passages_and_carries_the_instructions(knowledge_base):
    model = scripted("Answer [1].")
    tutor(knowledge_base, model, retriever="hybrid", top_k=2).ask(HNSW_QUESTION)
    system, human = model.calls[0]
    assert system.content == SYSTEM
    assert "[1] (book/a/vectors.md, A.1 Vector databases › HNSW)" in human.content
    assert "[2] (" in human.content and "[3] (" not in human.content
    assert human.content.endswith(f"Question: {HNSW_QUESTION}")


def test_uncited_answer_is_attributed_by_word_overlap(knowledge_base):
    model = scripted("A larger ef_search value finds more true neighbours.")
    answer = tutor(knowledge_base, model, top_k=3).ask(HNSW_QUESTION)
    assert answer.attributed
    assert answer.citations and answer.citations[0].chunk.section == "HNSW"


def test_irrelevant_question_is_refused_without_calling_the_model(knowledge_base):
    model = scripted("This should never be generated.")
    answer = tutor(knowledge_base, model, min_relevance=0.3).ask("Who won the 1986 football world cup?")
    assert answer.refused and answer.gated and answer.text == REFUSAL
    assert answer.cited == [] and model.calls == []
    assert answer.relevance < 0.3


def test_model_refusal_is_kept_and_cites_nothing(knowledge_base):
    answer = tutor(knowledge_base, scripted("I don't know.")).ask(HNSW_QUESTION)
    assert answer.refused and not answer.gated and answer.citations == []


def test_the_gate_and_the_retriever_share_one_question_embedding(knowledge_base, monkeypatch):
    calls = []
    real_embed = rag.retrieve.embed
    monkeypatch.setattr(rag.retrieve, "embed", lambda texts: calls.append(list(texts)) or real_embed(texts))
    rag.retrieve.query_embedding.cache_clear()
    question = "How many neighbours does each HNSW node keep?"
    tutor(knowledge_base, scripted("Some [1].")).ask(question)
    assert calls == [[question]]


def test_history_is_sent_with_the_next_question_and_bounded(knowledge_base):
    model = scripted("First answer [1].", "Second answer [1].", "Third answer [1].", "Fourth answer [1].")
    chat: Tutor = tutor(knowledge_base, model)
    questions = [
        HNSW_QUESTION,
        "And what do metadata filters do?",
        "How does persistence work?",
        "What does a where filter on metadata restrict a query to?",
    ]
    for question in questions:
        chat.ask(question)
    last = model.calls[-1]
    contents = [message.content for message in last[1:-1]]
    assert contents == [questions[1], "Second answer [1].", questions[2], "Third answer [1]."]
    chat.reset()
    chat.ask(HNSW_QUESTION)
    assert len(model.calls[-1]) == 2


def test_stream_yields_the_answer_and_records_the_turn(knowledge_base):
    chat = tutor(knowledge_base, scripted("Raise ef_search [1]."))
    pieces = list(chat.stream(HNSW_QUESTION))
    assert len(pieces) > 1 and "".join(pieces) == "Raise ef_search [1]."
    assert chat.history == [(HNSW_QUESTION, "Raise ef_search [1].")]


def test_stream_refuses_irrelevant_questions(knowledge_base):
    chat = tutor(knowledge_base, scripted("never"))
    assert list(chat.stream("Who won the 1986 football world cup?")) == [REFUSAL]
