"""``python -m similarity FILE "query"``: the top k as a table or JSON; exit status 2 with a message on bad input."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from similarity.__main__ import main

DOG_ANSWER = "Dogs are welcome in the garden rooms, but not in the restaurant."


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "similarity", *args], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def document_file(tmp_path, document) -> Path:
    path = tmp_path / "hotel.txt"
    path.write_text(document, encoding="utf-8")
    return path


def test_json_output_parses_and_ranks_the_best_match_first(document_file):
    result = run_cli(str(document_file), "Can I bring my dog?", "-k", "2", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["query"] == "Can I bring my dog?" and report["index"] == "exact"
    assert [match["rank"] for match in report["matches"]] == [1, 2]
    assert report["matches"][0]["sentence"] == DOG_ANSWER
    assert set(report["matches"][0]) == {"rank", "sentence", "index", "score"}


def test_a_missing_file_exits_2_naming_it(tmp_path):
    result = run_cli(str(tmp_path / "nowhere.txt"), "query")
    assert result.returncode == 2
    assert "nowhere.txt: no such file" in result.stderr and not result.stdout


def test_the_table_lists_k_sentences_with_scores(model, document_file, capsys):
    assert main([str(document_file), "Can I bring my dog?", "-k", "3", "--index", "chroma"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(" 1. 0.") and lines[0].endswith(f"[sentence 7] {DOG_ANSWER}")


def test_standard_input_is_read_with_a_dash(model, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Cats sleep. Kettles boil.")))
    assert main(["-", "a sleeping pet", "-k", "1"]) == 0
    assert capsys.readouterr().out.endswith("[sentence 0] Cats sleep.\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"caf\xe9 au lait", "not UTF-8 text (invalid byte at offset 3)"),
        (b"", "the document is empty"),
        (b" \n\n\t", "the document is empty"),
        (b"-\n*\n", "the document has no sentences"),
    ],
)
def test_unusable_files_exit_2_with_a_message(tmp_path, capsys, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert main([str(path), "query"]) == 2
    assert message in capsys.readouterr().err


def test_a_folder_or_an_unreadable_file_exits_2(tmp_path, monkeypatch, capsys):
    assert main([str(tmp_path), "query"]) == 2
    assert "is a folder" in capsys.readouterr().err
    path = tmp_path / "secret.txt"
    path.write_text("Hidden.", encoding="utf-8")

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod does not stop root, which CI runs as
    assert main([str(path), "query"]) == 2
    assert "secret.txt: cannot read the file (permission denied)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [(["-k", "0"], "-k must be at least 1"), (["--index", "faiss"], "invalid choice"), ([], "")],
)
def test_bad_options_exit_2(tmp_path, capsys, args, message):
    query = [] if args == [] else ["query"]
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "x.txt"), *query, *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_an_empty_query_exits_2(document_file, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(document_file), "  "])
    assert exit_info.value.code == 2 and "the query is empty" in capsys.readouterr().err
