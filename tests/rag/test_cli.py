"""``python -m rag``: index, search and ask on the small course, and one-line errors with exit status 2."""

import json
import subprocess
import sys

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from rag.__main__ import main


def test_index_then_search_as_json_from_a_persistent_store(course, tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["index", "--root", str(course), "--store", str(store)]) == 0
    assert capsys.readouterr().out.startswith(f"6 chunks from 3 pages in {store}")
    query = "Which HNSW parameter keeps more candidates?"
    assert main(["search", query, "--root", str(course), "--store", str(store), "-k", "2", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["query"] == query and [row["rank"] for row in found["results"]] == [1, 2]
    assert found["results"][0]["section"] == "HNSW" and found["results"][0]["source"] == "book/a/vectors.md"


def test_ask_prints_the_answer_and_its_citations(course, capsys, monkeypatch):
    model = FakeListChatModel(responses=["Raise ef_search [1]."])
    monkeypatch.setattr("rag.generate.chat_model", lambda: model)
    assert main(["ask", "Which HNSW parameter keeps more candidates?", "--root", str(course)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Raise ef_search [1].\n\nCited passages:\n  [1] book/a/vectors.md › HNSW")


def test_chat_answers_each_line_in_order_and_skips_blank_ones(course, capsys, monkeypatch):
    model = FakeListChatModel(responses=["First [1].", "Second [1]."])
    monkeypatch.setattr("rag.generate.chat_model", lambda: model)
    lines = ["What does ef_search do?\n", "\n", "How does a where filter restrict a query to one page?\n"]
    monkeypatch.setattr("sys.stdin", iter(lines))
    assert main(["chat", "--root", str(course)]) == 0
    out = capsys.readouterr().out
    assert out.index("First [1].") < out.index("Second [1].")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "  "], "the question is empty"),
        (["ask", "x", "-k", "0"], "--top-k must be at least 1"),
        (["search", "x", "--retriever", "sparse"], "invalid choice: 'sparse'"),
    ],
)
def test_bad_command_lines_exit_2_with_a_message(argv, message):
    done = subprocess.run([sys.executable, "-m", "rag", *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and message in done.stderr


def test_a_folder_without_a_book_is_named(tmp_path, capsys):
    assert main(["index", "--root", str(tmp_path)]) == 2
    assert "_toc.yml" in capsys.readouterr().err
