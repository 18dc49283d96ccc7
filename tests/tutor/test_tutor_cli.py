"""``python -m tutor`` and the settings it reads: ingest, ask, bad settings, and the documented ``.env.example``."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HNSW_ANSWER, HNSW_QUESTION, free_port
from fake_llm import FakeLLMServer
from pydantic import ValidationError

from tutor.__main__ import main
from tutor.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "tutor" / ".env.example"


@pytest.fixture
def env(rag_course, tmp_path) -> dict[str, str]:
    return {"TUTOR_COURSE_DIR": str(rag_course), "TUTOR_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def run(env, tmp_path, monkeypatch, capsys):
    """``run(*args, **variables)``: ``python -m tutor`` in this process, in ``tmp_path``; (status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    for variable in [name for name in os.environ if name.startswith("TUTOR_")]:
        monkeypatch.delenv(variable)

    def run_main(*args: str, **variables: str) -> tuple[int, str, str]:
        for variable, value in {**env, **variables}.items():
            monkeypatch.setenv(variable, value)
        try:
            status = main(list(args))
        except SystemExit as stop:
            status = stop.code
        out, err = capsys.readouterr()
        return status, out, err

    return run_main


def test_ingest_indexes_the_course_once(run):
    status, out, err = run("ingest")
    assert status == 0, err
    assert json.loads(out)["added"] == ["book/a/vectors.md", "book/index.md", "notebooks/vectors/vectors.ipynb"]
    status, out, err = run("ingest")
    assert json.loads(out)["chunks_written"] == 0 and "chunks in the store" in err


def test_ingest_of_files_below_the_working_folder_and_refusal_of_others(run, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "zorbia.md").write_text("# Zorbia\n\nIts capital is Plink.", encoding="utf-8")
    status, out, err = run("ingest", "notes")
    assert status == 0 and json.loads(out)["added"] == ["notes/zorbia.md"], err
    status, out, err = run("ingest", "/etc")
    assert status == 2 and "outside the folder" in err


def test_python_m_tutor_ask_answers_through_the_configured_endpoint(env, tmp_path):
    server = FakeLLMServer(HNSW_ANSWER, free_port()).start()
    clean = {key: value for key, value in os.environ.items() if not key.startswith("TUTOR_")}
    variables = {**env, "TUTOR_GENERATOR": "openai", "TUTOR_LLM_BASE_URL": server.base_url}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tutor", "ask", HNSW_QUESTION],
            cwd=tmp_path,
            env={**clean, **variables},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(HNSW_ANSWER) and "[1] book/a/vectors.md › HNSW" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TUTOR_PORT", "eighty", "invalid setting TUTOR_PORT"),
        ("TUTOR_STORE", "postgres", "invalid setting TUTOR_STORE"),
        ("TUTOR_ADMIN_API_KEY", "short", "at least 16 characters"),
    ],
)
def test_a_bad_setting_stops_the_command_naming_the_variable(run, variable, value, message):
    status, _, err = run("ingest", **{variable: value})
    assert status == 2 and message in err


def test_an_empty_question_is_a_usage_error(run):
    status, _, err = run("ask", "   ")
    assert status == 2 and "the question is empty" in err


def test_a_dotenv_file_in_the_working_folder_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TUTOR_PORT=9123\nTUTOR_VARIANT=B\n", encoding="utf-8")
    settings = Settings()
    assert (settings.port, settings.variant) == (9123, "B")


def test_the_admin_key_must_be_long():
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(_env_file=None, admin_api_key="0123456789")


def documented_settings() -> dict[str, str]:
    return dict(re.findall(r"^# (TUTOR_[A-Z_]+)=(.*)$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))


def test_env_example_documents_every_setting_with_its_default():
    documented = documented_settings()
    assert set(documented) == {f"TUTOR_{name.upper()}" for name in Settings.model_fields}
    defaults = Settings(_env_file=None)
    for variable, value in documented.items():
        name = variable.removeprefix("TUTOR_").lower()
        if value:
            parsed = Settings(_env_file=None, **{name: value})
            assert getattr(parsed, name) == getattr(defaults, name), f"{variable}: .env.example shows {value!r}"
        else:
            assert getattr(defaults, name) is None, f"{variable} has a default that .env.example does not show"
