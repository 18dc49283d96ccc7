"""The answer log: answers and ratings committed to SQLite (WAL), joined by request id, kept across reopenings."""

import sqlite3
from contextlib import closing

import pytest

from tutor.feedback import FeedbackLog, UnknownRequestError


def rows(path, query: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(query).fetchall()


def test_answers_and_ratings_are_on_disk_once_recorded(tmp_path):
    path = tmp_path / "data" / "feedback.sqlite3"
    log = FeedbackLog(path)
    log.record_answer("r1", "A", "u1", 1234.5, refused=False)
    log.record_feedback("r1", "up", "clear")
    assert rows(path, "SELECT request_id, variant, user_id, latency_ms, refused FROM answers") == [
        ("r1", "A", "u1", 1234.5, 0)
    ]
    assert rows(path, "SELECT request_id, rating, comment FROM feedback") == [("r1", "up", "clear")]
    assert rows(path, "PRAGMA journal_mode") == [("wal",)]


def test_a_later_rating_replaces_the_earlier_one_and_survives_a_reopening(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    FeedbackLog(path).record_answer("r1", "A", None, 10.0, refused=True)
    FeedbackLog(path).record_feedback("r1", "up", None)
    FeedbackLog(path).record_feedback("r1", "down", "wrong page")
    assert rows(path, "SELECT rating, comment FROM feedback") == [("down", "wrong page")]


def test_a_rating_of_an_unknown_answer_is_refused_and_not_stored(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.sqlite3")
    with pytest.raises(UnknownRequestError, match="no answer with request_id 'nope'"):
        log.record_feedback("nope", "up", None)
    assert rows(log.path, "SELECT COUNT(*) FROM feedback") == [(0,)]


def test_a_rating_other_than_up_or_down_is_refused_by_the_database(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.sqlite3")
    log.record_answer("r1", "A", None, 10.0, refused=False)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
        log.record_feedback("r1", "meh", None)
