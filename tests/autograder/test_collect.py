"""collect: every accepted layout lands where nbgrader looks, every bad submission is rejected with a reason."""

import json
import os
import shutil
import struct
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

from autograder.collect import CollectReport, Rejected, Taken, collect, format_timestamp, normalise_student_id
from autograder.course import SUBMITTED_DIR, release_notebook, solution_notebook

CHAPTER = "linear_regression"
RELEASE = release_notebook(CHAPTER)
MTIME = 1_700_000_000.123456  # 2023-11-14 22:13:20.123456 UTC


@pytest.fixture
def course(tmp_path) -> Path:
    """A scratch course root that knows the chapter, with nothing submitted yet."""
    root = tmp_path / "course"
    (root / "solutions" / CHAPTER).mkdir(parents=True)
    shutil.copy(solution_notebook(CHAPTER), root / "solutions" / CHAPTER / f"{CHAPTER}.ipynb")
    return root


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def notebook_bytes(marker: str | None = None) -> bytes:
    """The real release notebook, optionally tagged in its metadata so a test can tell copies apart."""
    notebook = json.loads(RELEASE.read_text(encoding="utf-8"))
    if marker is not None:
        notebook["metadata"]["collect_marker"] = marker
    return json.dumps(notebook).encode()


def put(path: Path, data: bytes, mtime: float = MTIME) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def put_zip(path: Path, members: dict[str, bytes], date_time=(2024, 3, 5, 14, 30, 2)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time), data)
    return path


def submitted(course: Path, student: str) -> Path:
    return course / SUBMITTED_DIR / student / CHAPTER / f"{CHAPTER}.ipynb"


def marker_of(path: Path) -> str | None:
    return nbformat.read(path, as_version=4).metadata.get("collect_marker")


def timestamp_of(course: Path, student: str) -> str:
    return (submitted(course, student).parent / "timestamp.txt").read_text()


def only_rejection(report: CollectReport) -> Rejected:
    assert report.taken == []
    assert len(report.rejected) == 1, report.rejected
    return report.rejected[0]


# --- layouts ---------------------------------------------------------------------------------------------------


def test_a_notebook_file_is_collected_under_its_stem_with_its_mtime(course, inbox):
    origin = put(inbox / "alice.ipynb", notebook_bytes("alice"))

    report = collect(CHAPTER, inbox, course)

    assert report.taken == [Taken("alice", origin, submitted(course, "alice"))]
    assert report.rejected == []
    assert marker_of(submitted(course, "alice")) == "alice"
    assert timestamp_of(course, "alice") == "2023-11-14 22:13:20.123456 UTC"


def test_the_collected_notebook_is_a_clean_v4_notebook_with_the_release_cells(course, inbox):
    put(inbox / "alice.ipynb", json.dumps(json.loads(notebook_bytes())).encode())  # compact, one line

    collect(CHAPTER, inbox, course)

    text = submitted(course, "alice").read_text(encoding="utf-8")
    assert text.startswith('{\n "cells": [')  # re-serialised by nbformat, not copied
    landed = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    nbformat.validate(landed)
    assert (landed.nbformat, landed.nbformat_minor) == (4, 5)
    assert landed.cells == nbformat.read(RELEASE, as_version=4).cells


def test_a_zip_with_one_notebook_anywhere_inside_is_collected_with_the_member_date(course, inbox):
    origin = put_zip(
        inbox / "Bob.zip",
        {
            "homework/week 2/My Regression.ipynb": notebook_bytes("bob"),
            "homework/data.csv": b"x,y\n1,2\n",
            "__MACOSX/homework/week 2/._My Regression.ipynb": b"\x00\x05\x16\x07",
            "homework/.ipynb_checkpoints/My Regression-checkpoint.ipynb": notebook_bytes("checkpoint"),
        },
    )

    report = collect(CHAPTER, inbox, course)

    assert report.taken == [Taken("bob", origin, submitted(course, "bob"))]
    assert marker_of(submitted(course, "bob")) == "bob"
    assert timestamp_of(course, "bob") == "2024-03-05 14:30:02.000000 UTC"


def test_a_zip_member_extended_timestamp_is_used_when_present(course, inbox):
    info = zipfile.ZipInfo("lr.ipynb", (2024, 3, 5, 14, 30, 2))
    info.extra = struct.pack("<HHBi", 0x5455, 5, 1, 1_710_000_000)  # Info-ZIP "UT" field: mtime in UTC
    with zipfile.ZipFile(inbox / "carol.zip", "w") as archive:
        archive.writestr(info, notebook_bytes())

    collect(CHAPTER, inbox, course)

    assert timestamp_of(course, "carol") == "2024-03-09 16:00:00.000000 UTC"


def test_a_student_folder_with_one_notebook_is_collected(course, inbox):
    put(inbox / "Dave" / "week2" / "regression.ipynb", notebook_bytes("dave"), mtime=1_600_000_000.5)
    put(inbox / "Dave" / "week2" / ".ipynb_checkpoints" / "regression-checkpoint.ipynb", notebook_bytes("old"))
    put(inbox / "Dave" / "notes.txt", b"my notes")

    report = collect(CHAPTER, inbox, course)

    assert report.taken == [Taken("dave", inbox / "Dave", submitted(course, "dave"))]
    assert marker_of(submitted(course, "dave")) == "dave"
    assert timestamp_of(course, "dave") == "2020-09-13 12:26:40.500000 UTC"


def test_canvas_bulk_download_names_give_the_login_as_student_id(course, inbox):
    on_time = put(inbox / "doejane_1234_5678_linear_regression.ipynb", notebook_bytes("jane"))
    late = put(inbox / "smithjohn_LATE_1235_5679_Linear Regression (2).ipynb", notebook_bytes("john"))
    zipped = put_zip(inbox / "leeann_1236_5680_submission.zip", {"lr.ipynb": notebook_bytes("ann")})

    report = collect(CHAPTER, inbox, course)

    assert report.rejected == []
    assert report.taken == [
        Taken("doejane", on_time, submitted(course, "doejane")),
        Taken("leeann", zipped, submitted(course, "leeann")),
        Taken("smithjohn", late, submitted(course, "smithjohn")),
    ]
    assert marker_of(submitted(course, "smithjohn")) == "john"


def test_a_canvas_resubmission_keeps_the_newest_and_rejects_the_older(course, inbox):
    first = put(inbox / "doejane_1234_5678_linear_regression.ipynb", notebook_bytes("first"), mtime=MTIME)
    second = put(inbox / "doejane_LATE_1234_5699_linear_regression-1.ipynb", notebook_bytes("second"), MTIME + 60)

    report = collect(CHAPTER, inbox, course)

    assert report.taken == [Taken("doejane", second, submitted(course, "doejane"))]
    assert report.rejected == [Rejected(first, "older duplicate of doejane")]
    assert marker_of(submitted(course, "doejane")) == "second"
    assert timestamp_of(course, "doejane") == format_timestamp(datetime.fromtimestamp(MTIME + 60, UTC))


def test_canvas_resubmissions_with_the_same_mtime_keep_the_higher_submission_id(course, inbox):
    newer = put(inbox / "doejane_1234_5700_linear_regression.ipynb", notebook_bytes("newer"))
    older = put(inbox / "doejane_1234_5699_linear_regression-1.ipynb", notebook_bytes("older"))

    report = collect(CHAPTER, inbox, course)

    assert [t.origin for t in report.taken] == [newer]
    assert report.rejected == [Rejected(older, "older duplicate of doejane")]
    assert marker_of(submitted(course, "doejane")) == "newer"


def test_duplicates_across_layouts_keep_the_newest(course, inbox):
    old = put(inbox / "Jane Doe.ipynb", notebook_bytes("file"), mtime=MTIME)
    new = put_zip(inbox / "jane_doe.zip", {"nb.ipynb": notebook_bytes("zip")}, date_time=(2025, 1, 1, 0, 0, 0))

    report = collect(CHAPTER, inbox, course)

    assert [t.origin for t in report.taken] == [new]
    assert report.rejected == [Rejected(old, "older duplicate of jane_doe")]
    assert marker_of(submitted(course, "jane_doe")) == "zip"


def test_a_broken_newer_file_does_not_displace_an_older_readable_one(course, inbox):
    good = put(inbox / "jane.ipynb", notebook_bytes("good"), mtime=MTIME)
    broken = put(inbox / "Jane.zip", b"not a zip at all", mtime=MTIME + 60)

    report = collect(CHAPTER, inbox, course)

    assert [t.origin for t in report.taken] == [good]
    assert [r.origin for r in report.rejected] == [broken]
    assert "not a readable zip archive" in report.rejected[0].reason


# --- student ids -----------------------------------------------------------------------------------------------


def test_a_notebook_name_is_normalised_to_a_student_id(course, inbox):
    put(inbox / "Jane Doe!.ipynb", notebook_bytes())

    report = collect(CHAPTER, inbox, course)

    assert [t.student_id for t in report.taken] == ["jane_doe"]
    assert submitted(course, "jane_doe").is_file()


@pytest.mark.parametrize(
    ("name", "student_id"),
    [
        ("Jane Doe!", "jane_doe"),
        ("JANE   DOE", "jane_doe"),
        ("José Núñez", "jose_nunez"),
        ("__o'brien--smith__", "o_brien--smith"),
        ("-x.y-", "x_y"),
        ("student_42", "student_42"),
        ("!!!", ""),
    ],
)
def test_normalise_student_id(name, student_id):
    assert normalise_student_id(name) == student_id


def test_a_name_with_no_usable_student_id_is_rejected(course, inbox):
    put(inbox / "!!!.ipynb", notebook_bytes())

    rejection = only_rejection(collect(CHAPTER, inbox, course))

    assert rejection.reason == "the name '!!!' gives no usable student id (it needs letters or digits)"
    assert not (course / SUBMITTED_DIR).exists()


# --- rejections ------------------------------------------------------------------------------------------------


def test_a_file_that_is_neither_notebook_nor_zip_is_rejected(course, inbox):
    origin = put(inbox / "alice.pdf", b"%PDF-1.4")

    assert only_rejection(collect(CHAPTER, inbox, course)) == Rejected(
        origin, "is not a notebook (.ipynb), a zip archive (.zip) or a student folder"
    )


def test_an_empty_file_is_rejected(course, inbox):
    origin = put(inbox / "alice.ipynb", b"")

    assert only_rejection(collect(CHAPTER, inbox, course)) == Rejected(origin, "the file is empty")


def test_a_notebook_that_is_not_json_is_rejected(course, inbox):
    put(inbox / "alice.ipynb", b'{"cells": [')

    reason = only_rejection(collect(CHAPTER, inbox, course)).reason

    assert reason.startswith("not a valid notebook: it is not valid JSON (")
    assert not submitted(course, "alice").exists()


def test_a_notebook_that_is_not_utf8_is_rejected(course, inbox):
    put(inbox / "alice.ipynb", b"\xff\xfe\x00{")

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == "not a valid notebook: it is not UTF-8 text"


def test_json_that_is_not_a_notebook_is_rejected(course, inbox):
    put(inbox / "alice.ipynb", b'{"answer": 42}')

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == (
        "not a valid notebook: it is JSON but not a Jupyter notebook (it has no nbformat version)"
    )


def test_a_notebook_that_breaks_the_v4_schema_is_rejected(course, inbox):
    notebook = json.loads(notebook_bytes())
    notebook["cells"][0]["cell_type"] = "spreadsheet"
    put(inbox / "alice.ipynb", json.dumps(notebook).encode())

    reason = only_rejection(collect(CHAPTER, inbox, course)).reason

    assert reason.startswith("not a valid notebook: it is not a valid nbformat v4 notebook (")
    assert not submitted(course, "alice").exists()


def test_a_notebook_of_an_unknown_nbformat_version_is_rejected(course, inbox):
    put(inbox / "alice.ipynb", json.dumps({"nbformat": 99, "nbformat_minor": 0, "cells": []}).encode())

    reason = only_rejection(collect(CHAPTER, inbox, course)).reason

    assert reason.startswith("not a valid notebook: nbformat cannot read it (")
    assert "99" in reason


def test_older_notebooks_that_nbformat_upgrades_are_accepted(course, inbox):
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": ""},
        "worksheets": [
            {"cells": [{"cell_type": "code", "input": "1 + 1", "language": "python", "outputs": [], "metadata": {}}]}
        ],
    }
    v4_without_ids = json.loads(notebook_bytes())
    v4_without_ids["nbformat_minor"] = 4
    for cell in v4_without_ids["cells"]:
        del cell["id"]
    put(inbox / "old.ipynb", json.dumps(v3).encode())
    put(inbox / "noids.ipynb", json.dumps(v4_without_ids).encode())

    report = collect(CHAPTER, inbox, course)

    assert report.rejected == []
    assert [t.student_id for t in report.taken] == ["noids", "old"]
    for student in ("old", "noids"):
        landed = nbformat.read(submitted(course, student), as_version=nbformat.NO_CONVERT)
        nbformat.validate(landed)
        assert (landed.nbformat, landed.nbformat_minor) == (4, 5)
        assert all(cell.get("id") for cell in landed.cells)
    assert nbformat.read(submitted(course, "old"), as_version=4).cells[0].source == "1 + 1"


def test_a_corrupt_zip_is_rejected(course, inbox):
    good = put_zip(inbox / "tmp.zip", {"lr.ipynb": notebook_bytes()}).read_bytes()
    (inbox / "tmp.zip").unlink()
    put(inbox / "alice.zip", good[: len(good) // 2])

    assert only_rejection(collect(CHAPTER, inbox, course)).reason.startswith(
        "is not a readable zip archive (it may be damaged or incomplete): "
    )


def test_a_zip_without_a_notebook_is_rejected(course, inbox):
    put_zip(inbox / "alice.zip", {"answers.py": b"print(1)", ".ipynb_checkpoints/lr-checkpoint.ipynb": b"{}"})

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == "the zip holds no notebook (.ipynb)"


def test_a_zip_with_several_notebooks_is_rejected(course, inbox):
    put_zip(inbox / "alice.zip", {"a/one.ipynb": notebook_bytes(), "two.ipynb": notebook_bytes()})

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == (
        "the zip holds 2 notebooks (a/one.ipynb, two.ipynb); expected exactly one"
    )


def test_a_zip_with_an_invalid_notebook_names_the_member(course, inbox):
    put_zip(inbox / "alice.zip", {"hw/lr.ipynb": b"not json"})

    assert only_rejection(collect(CHAPTER, inbox, course)).reason.startswith(
        "the notebook hw/lr.ipynb in the zip is not valid: it is not valid JSON ("
    )


def test_a_zip_with_an_empty_notebook_is_rejected(course, inbox):
    put_zip(inbox / "alice.zip", {"lr.ipynb": b""})

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == "the notebook lr.ipynb in the zip is empty"


def test_a_password_protected_zip_is_rejected(course, inbox):
    archive = bytearray(put_zip(inbox / "alice.zip", {"lr.ipynb": notebook_bytes()}).read_bytes())
    central = archive.index(b"PK\x01\x02")
    archive[central + 8] |= 0x1  # the central directory's "encrypted" flag: zipfile would ask for a password
    put(inbox / "alice.zip", bytes(archive))

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == (
        "the zip is password-protected; ask for an unencrypted archive"
    )


def test_a_zip_with_more_than_1000_entries_is_rejected(course, inbox):
    members = {"lr.ipynb": notebook_bytes(), **{f"junk/{i}.txt": b"" for i in range(1000)}}
    put_zip(inbox / "alice.zip", members)

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == (
        "the zip holds 1001 entries; at most 1000 are allowed"
    )


def test_a_zip_with_exactly_1000_entries_is_accepted(course, inbox):
    put_zip(inbox / "alice.zip", {"lr.ipynb": notebook_bytes(), **{f"junk/{i}.txt": b"" for i in range(999)}})

    assert [t.student_id for t in collect(CHAPTER, inbox, course).taken] == ["alice"]


def test_a_zip_member_over_the_size_limit_is_rejected_from_its_header(course, inbox, monkeypatch):
    put_zip(inbox / "alice.zip", {"lr.ipynb": notebook_bytes()})
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: opened.append(args))

    reason = only_rejection(collect(CHAPTER, inbox, course, max_member_bytes=1000)).reason

    assert reason.startswith("the notebook lr.ipynb in the zip is too large: ")
    assert reason.endswith("uncompressed, over the limit of 1000 bytes")
    assert opened == []  # refused from the zip header, without reading the member
    assert not (course / SUBMITTED_DIR).exists()


def test_a_zip_member_whose_header_understates_its_size_is_not_read_past_the_limit(course, inbox):
    data = notebook_bytes()
    assert len(data) > 1000
    archive = bytearray(put_zip(inbox / "alice.zip", {"lr.ipynb": data}).read_bytes())
    central = archive.index(b"PK\x01\x02")
    struct.pack_into("<I", archive, central + 24, 100)  # central directory: "uncompressed size 100 bytes"
    put(inbox / "alice.zip", bytes(archive))
    with zipfile.ZipFile(inbox / "alice.zip") as check:
        assert check.getinfo("lr.ipynb").file_size == 100

    reason = only_rejection(collect(CHAPTER, inbox, course, max_member_bytes=1000)).reason

    assert reason.startswith("is not a readable zip archive")
    assert not (course / SUBMITTED_DIR).exists()


def test_a_zip_member_under_the_size_limit_is_accepted(course, inbox):
    put_zip(inbox / "alice.zip", {"lr.ipynb": notebook_bytes()})

    report = collect(CHAPTER, inbox, course, max_member_bytes=len(notebook_bytes()))

    assert [t.student_id for t in report.taken] == ["alice"]


@pytest.mark.parametrize("member", ["../../../../escape-{}.ipynb", "/tmp/escape-{}.ipynb", "..\\..\\escape-{}.ipynb"])
def test_zip_member_paths_never_write_outside_the_destination(course, inbox, tmp_path, member):
    name = member.format(uuid.uuid4().hex)
    put_zip(inbox / "mallory.zip", {name: notebook_bytes("mallory")})

    report = collect(CHAPTER, inbox, course)

    assert report.taken == [Taken("mallory", inbox / "mallory.zip", submitted(course, "mallory"))]
    assert marker_of(submitted(course, "mallory")) == "mallory"
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file() and "escape" in p.name)
    assert written == []
    assert not Path("/tmp", Path(name.replace("\\", "/")).name).exists()
    assert sorted(p.name for p in submitted(course, "mallory").parent.iterdir()) == [
        f"{CHAPTER}.ipynb",
        "timestamp.txt",
    ]


def test_a_folder_without_a_notebook_is_rejected(course, inbox):
    put(inbox / "alice" / "answers.py", b"print(1)")
    put(inbox / "alice" / ".ipynb_checkpoints" / "lr-checkpoint.ipynb", notebook_bytes())

    assert only_rejection(collect(CHAPTER, inbox, course)) == Rejected(
        inbox / "alice", "the folder holds no notebook (.ipynb)"
    )


def test_a_folder_with_several_notebooks_is_rejected(course, inbox):
    put(inbox / "alice" / "one.ipynb", notebook_bytes())
    put(inbox / "alice" / "sub" / "two.ipynb", notebook_bytes())

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == (
        "the folder holds 2 notebooks (one.ipynb, sub/two.ipynb); expected exactly one"
    )


def test_a_folder_with_an_invalid_notebook_is_rejected(course, inbox):
    put(inbox / "alice" / "lr.ipynb", b"[1, 2]")

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == (
        "the notebook lr.ipynb in the folder is not valid: "
        "it is JSON but not a Jupyter notebook (it has no nbformat version)"
    )


def test_a_symlinked_notebook_is_rejected_and_not_followed(course, inbox, tmp_path):
    target = put(tmp_path / "elsewhere" / "secret.ipynb", notebook_bytes("secret"))
    (inbox / "alice.ipynb").symlink_to(target)

    rejection = only_rejection(collect(CHAPTER, inbox, course))

    assert rejection == Rejected(
        inbox / "alice.ipynb", "is a symbolic link; links are not followed, put the real file here instead"
    )
    assert not (course / SUBMITTED_DIR).exists()


def test_a_symlinked_folder_is_rejected(course, inbox, tmp_path):
    put(tmp_path / "elsewhere" / "lr.ipynb", notebook_bytes())
    (inbox / "alice").symlink_to(tmp_path / "elsewhere", target_is_directory=True)

    assert only_rejection(collect(CHAPTER, inbox, course)).reason.startswith("is a symbolic link")


def test_a_folder_containing_a_symlink_is_rejected(course, inbox, tmp_path):
    target = put(tmp_path / "elsewhere" / "secret.ipynb", notebook_bytes("secret"))
    (inbox / "alice").mkdir()
    (inbox / "alice" / "lr.ipynb").symlink_to(target)

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == (
        "the folder contains a symbolic link (lr.ipynb); links are not followed, put the real files in the folder "
        "instead"
    )
    assert not (course / SUBMITTED_DIR).exists()


def test_a_special_file_is_rejected_without_being_read(course, inbox):
    os.mkfifo(inbox / "alice.ipynb")  # reading a FIFO would block forever

    assert only_rejection(collect(CHAPTER, inbox, course)).reason == "is not a regular file or folder"


def test_hidden_files_and_macos_folders_are_ignored(course, inbox):
    put(inbox / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    put(inbox / ".ipynb_checkpoints" / "alice-checkpoint.ipynb", notebook_bytes())
    put(inbox / "__MACOSX" / "._alice.ipynb", b"\x00\x05\x16\x07")
    put(inbox / "alice.ipynb", notebook_bytes())

    report = collect(CHAPTER, inbox, course)

    assert [t.student_id for t in report.taken] == ["alice"]
    assert report.rejected == []


def test_an_unwritable_destination_is_reported_and_the_others_are_still_collected(course, inbox):
    put(inbox / "alice.ipynb", notebook_bytes())
    put(inbox / "bob.ipynb", notebook_bytes())
    put(course / SUBMITTED_DIR / "alice", b"a file where alice's folder should be")

    report = collect(CHAPTER, inbox, course)

    assert [t.student_id for t in report.taken] == ["bob"]
    assert len(report.rejected) == 1
    assert report.rejected[0].origin == inbox / "alice.ipynb"
    assert report.rejected[0].reason.startswith(f"could not be written to {submitted(course, 'alice')}: ")


# --- collecting as a whole -------------------------------------------------------------------------------------


def test_recollecting_the_same_source_is_idempotent(course, inbox):
    put(inbox / "alice.ipynb", notebook_bytes("alice"))
    put_zip(inbox / "bob.zip", {"lr.ipynb": notebook_bytes("bob")})
    put(inbox / "notes.txt", b"not a submission")

    first = collect(CHAPTER, inbox, course)
    files = {p: p.read_bytes() for p in (course / SUBMITTED_DIR).rglob("*") if p.is_file()}
    second = collect(CHAPTER, inbox, course)

    assert second == first
    assert first.summary() == "collected 2 submissions, rejected 1"
    assert {p: p.read_bytes() for p in (course / SUBMITTED_DIR).rglob("*") if p.is_file()} == files
    assert sorted(p.name for p in files) == sorted([f"{CHAPTER}.ipynb", "timestamp.txt"] * 2)


def test_recollecting_overwrites_a_previous_collection(course, inbox):
    put(inbox / "alice.ipynb", notebook_bytes("first"), mtime=MTIME)
    collect(CHAPTER, inbox, course)
    put(inbox / "alice.ipynb", notebook_bytes("second"), mtime=MTIME + 3600)

    collect(CHAPTER, inbox, course)

    assert marker_of(submitted(course, "alice")) == "second"
    assert timestamp_of(course, "alice") == "2023-11-14 23:13:20.123456 UTC"
    assert not list(submitted(course, "alice").parent.glob(".collect-*"))


def test_submissions_of_other_students_are_left_alone(course, inbox):
    other = put(submitted(course, "zoe"), b"zoe's earlier submission")
    put(other.parent / "timestamp.txt", b"2020-01-01 00:00:00.000000 UTC")
    other_chapter = put(course / SUBMITTED_DIR / "alice" / "other_chapter" / "other_chapter.ipynb", b"kept")
    put(inbox / "alice.ipynb", notebook_bytes())

    collect(CHAPTER, inbox, course)

    assert other.read_bytes() == b"zoe's earlier submission"
    assert (other.parent / "timestamp.txt").read_bytes() == b"2020-01-01 00:00:00.000000 UTC"
    assert other_chapter.read_bytes() == b"kept"
    assert submitted(course, "alice").is_file()


def test_summary_counts_taken_and_rejected(course, inbox):
    put(inbox / "alice.ipynb", notebook_bytes(), mtime=MTIME)
    put(inbox / "Alice.ipynb", notebook_bytes(), mtime=MTIME - 10)
    put(inbox / "bob.ipynb", notebook_bytes())
    put(inbox / "carol.ipynb", b"")
    put(inbox / "dave.docx", b"PK")

    report = collect(CHAPTER, inbox, course)

    assert (len(report.taken), len(report.rejected)) == (2, 3)
    assert report.summary() == "collected 2 submissions, rejected 3"
    assert CollectReport(taken=report.taken[:1]).summary() == "collected 1 submission, rejected 0"
    assert CollectReport().summary() == "collected 0 submissions, rejected 0"


def test_the_timestamp_is_in_nbgraders_format():
    moment = datetime(2024, 2, 29, 23, 59, 58, 7, tzinfo=UTC)

    assert format_timestamp(moment) == "2024-02-29 23:59:58.000007 UTC"
    assert datetime.strptime(format_timestamp(moment), "%Y-%m-%d %H:%M:%S.%f UTC").replace(tzinfo=UTC) == moment


def test_an_unknown_chapter_or_missing_source_is_an_error(course, inbox, tmp_path):
    with pytest.raises(ValueError, match="unknown chapter 'linear_regresion'"):
        collect("linear_regresion", inbox, course)
    with pytest.raises(NotADirectoryError, match="does not exist or is not a folder"):
        collect(CHAPTER, tmp_path / "missing", course)
    assert not (course / SUBMITTED_DIR).exists()
