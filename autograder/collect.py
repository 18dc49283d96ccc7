"""Collect student submissions of one chapter into the folder layout that nbgrader grades from.

``collect(chapter, source)`` reads the submissions in the folder ``source`` and writes each accepted one to
``grading/submitted/<student_id>/<chapter>/<chapter>.ipynb`` under the course root, with nbgrader's
``timestamp.txt`` (``YYYY-MM-DD HH:MM:SS.ffffff UTC``) beside it. It never extracts anything: it reads the
notebook's bytes, checks them with nbformat and writes a clean nbformat v4 notebook to the computed destination,
atomically (a temporary file in the destination folder, then ``os.replace``). Collecting the same source again
overwrites the same destinations; submissions of students that are not in ``source`` are left alone.

Layouts accepted in ``source`` (only its top level is scanned; they may be mixed):

1. ``<student>.ipynb``: a notebook whose file name stem is the student name.
2. ``<student>.zip``: an archive holding exactly one ``.ipynb`` (any name, any folder inside the archive).
3. ``<student>/``: a folder holding exactly one ``.ipynb`` (at any depth).
4. Canvas, the LMS layout supported: the files of Canvas's "Download Submissions" bulk download, named
   ``<login>_<userid>_<submissionid>_<original name>`` or, when late,
   ``<login>_LATE_<userid>_<submissionid>_<original name>`` (Canvas may append ``-1``, ``-2``, ... to the
   original name of a resubmission). A ``.ipynb`` or ``.zip`` file whose name matches
   ``^[a-z0-9]+(_LATE)?_\\d+_\\d+_.+`` is read as a Canvas file and its student id is ``<login>``.

Hidden files and folders (names starting with ``.``, so ``.ipynb_checkpoints/`` and ``.DS_Store`` too) and
``__MACOSX/`` are ignored, at the top level of ``source``, inside student folders and inside zip archives.

Student ids are normalised: accents are dropped, letters lowercased, every character outside ``[a-z0-9_-]``
replaced by ``_``, runs of ``_`` collapsed and ``_``/``-`` stripped from both ends ("Jane Doe!" -> "jane_doe").

The timestamp is the notebook file's modification time; for a zip it is the notebook member's date (the
Info-ZIP extended timestamp when the archive has one, else the DOS date, read as UTC).

A submission is rejected, with a reason an instructor can act on, and nothing of it is written, when:

- it is a symbolic link, or a folder containing one (links are never followed), or not a regular file or folder;
- it is a file that is neither a ``.ipynb`` notebook nor a ``.zip`` archive;
- the file, or the notebook inside the zip, is empty;
- the notebook is not UTF-8 JSON, has no nbformat version, cannot be read by nbformat or does not validate as
  nbformat v4 once upgraded (older notebooks that nbformat upgrades to v4 are accepted);
- the zip is damaged or password-protected, holds no notebook or several notebooks, holds more than
  ``max_members`` entries, or its notebook is larger than ``max_member_bytes`` uncompressed (checked from the
  zip header before reading, and read with a bounded read so a lying header cannot exhaust memory);
- a student folder holds no notebook or several notebooks;
- the name leaves no usable student id after normalisation;
- another submission normalises to the same student id and has a newer timestamp: the newest is kept and the
  others are rejected as "older duplicate of <student>" (ties go to the higher Canvas submission id, then the
  higher Canvas resubmission suffix, then the later name). Only readable submissions compete: a broken
  newer file is rejected for its own reason and does not displace an older readable one;
- its destination cannot be written (the reason gives the operating system's error).
"""

import json
import os
import re
import stat
import struct
import tempfile
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import nbformat
from nbformat.validator import normalize

from autograder.course import COURSE_ROOT, SUBMITTED_DIR, chapters

MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 1000
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"

CANVAS_NAME = re.compile(r"^(?P<login>[a-z0-9]+)(?P<late>_LATE)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<name>.+)$")
RESUBMISSION_SUFFIX = re.compile(r"-(\d+)$")
IGNORED_NAMES = {"__MACOSX"}


@dataclass(frozen=True)
class Taken:
    """A submission that was collected: ``origin`` is the entry of ``source`` it came from."""

    student_id: str
    origin: Path
    destination: Path

    def __str__(self) -> str:
        return f"{self.student_id}: {self.origin.name} -> {self.destination}"


@dataclass(frozen=True)
class Rejected:
    """An entry of ``source`` that was not collected, and why."""

    origin: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.origin.name}: {self.reason}"


@dataclass
class CollectReport:
    taken: list[Taken] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def summary(self) -> str:
        count = len(self.taken)
        return f"collected {count} submission{'' if count == 1 else 's'}, rejected {len(self.rejected)}"


class _Rejection(Exception):
    """Raised while reading one submission; its message is the reason shown to the instructor."""


@dataclass
class _Candidate:
    student_id: str
    origin: Path
    notebook: nbformat.NotebookNode
    timestamp: datetime
    canvas_submission: int = -1
    canvas_resubmission: int = -1

    def recency(self) -> tuple:
        return (self.timestamp, self.canvas_submission, self.canvas_resubmission, self.origin.name)


def normalise_student_id(name: str) -> str:
    """``name`` as an nbgrader student id: ascii ``[a-z0-9_-]`` only; empty if nothing usable is left."""
    ascii_name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    student_id = re.sub(r"[^a-z0-9_-]", "_", ascii_name.lower())
    return re.sub(r"_+", "_", student_id).strip("_-")


def format_timestamp(moment: datetime) -> str:
    """nbgrader's ``timestamp.txt`` text for ``moment``."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def collect(
    chapter: str,
    source: Path,
    course_root: Path = COURSE_ROOT,
    *,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_members: int = MAX_MEMBERS,
) -> CollectReport:
    """Collect the submissions of ``chapter`` found in ``source`` into ``course_root``'s grading/submitted/.

    Raises ``ValueError`` for an unknown chapter and ``NotADirectoryError`` if ``source`` is not a folder; every
    problem with a submission is reported in the returned ``CollectReport`` instead of raised.
    """
    known = chapters(course_root) if (course_root / "solutions").is_dir() else []
    if chapter not in known:
        raise ValueError(f"unknown chapter {chapter!r}; the chapters of {course_root} are: {', '.join(known)}")
    source = Path(source)
    if not source.is_dir():
        raise NotADirectoryError(f"the submissions folder {source} does not exist or is not a folder")

    report = CollectReport()
    candidates: list[_Candidate] = []
    with os.scandir(source) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if _ignored(entry.name):
                continue
            origin = Path(entry.path)
            try:
                candidates.append(_read_entry(origin, max_member_bytes, max_members))
            except _Rejection as rejection:
                report.rejected.append(Rejected(origin, str(rejection)))

    by_student: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        by_student.setdefault(candidate.student_id, []).append(candidate)
    for student_id, group in sorted(by_student.items()):
        group.sort(key=_Candidate.recency, reverse=True)
        newest, older = group[0], group[1:]
        report.rejected.extend(Rejected(c.origin, f"older duplicate of {student_id}") for c in older)
        destination = course_root / SUBMITTED_DIR / student_id / chapter / f"{chapter}.ipynb"
        try:
            _write_submission(newest.notebook, newest.timestamp, destination)
        except OSError as error:
            report.rejected.append(Rejected(newest.origin, f"could not be written to {destination}: {error}"))
        else:
            report.taken.append(Taken(student_id, newest.origin, destination))

    report.taken.sort(key=lambda t: t.student_id)
    report.rejected.sort(key=lambda r: (r.origin.name, r.reason))
    return report


def _ignored(name: str) -> bool:
    """Hidden names and macOS archive litter; ``.`` and ``..`` are path steps, not hidden names."""
    return (name.startswith(".") and name not in (".", "..")) or name in IGNORED_NAMES


def _read_entry(origin: Path, max_member_bytes: int, max_members: int) -> _Candidate:
    """One top-level entry of the submissions folder as a candidate; raise ``_Rejection`` if it is unusable."""
    try:
        status = origin.lstat()
    except OSError as error:
        raise _Rejection(f"could not be read: {error.strerror or error}") from None
    if stat.S_ISLNK(status.st_mode):
        raise _Rejection("is a symbolic link; links are not followed, put the real file here instead")
    if stat.S_ISDIR(status.st_mode):
        return _read_folder(origin)
    if not stat.S_ISREG(status.st_mode):
        raise _Rejection("is not a regular file or folder")

    suffix = origin.suffix.lower()
    if suffix not in (".ipynb", ".zip"):
        raise _Rejection("is not a notebook (.ipynb), a zip archive (.zip) or a student folder")
    canvas = CANVAS_NAME.match(origin.name)
    student_id = _student_id(canvas["login"] if canvas else origin.stem)
    if status.st_size == 0:
        raise _Rejection("the file is empty")
    if suffix == ".zip":
        notebook, timestamp = _read_zip(origin, status, max_member_bytes, max_members)
    else:
        notebook = _parse_notebook(_read_bytes(origin), "not a valid notebook")
        timestamp = datetime.fromtimestamp(status.st_mtime, UTC)
    candidate = _Candidate(student_id, origin, notebook, timestamp)
    if canvas:
        candidate.canvas_submission = int(canvas["submission"])
        resubmission = RESUBMISSION_SUFFIX.search(PurePosixPath(canvas["name"]).stem)
        candidate.canvas_resubmission = int(resubmission[1]) if resubmission else 0
    return candidate


def _student_id(name: str) -> str:
    student_id = normalise_student_id(name)
    if not student_id:
        raise _Rejection(f"the name {name!r} gives no usable student id (it needs letters or digits)")
    return student_id


def _read_bytes(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(descriptor, "rb") as file:
            return file.read()
    except OSError as error:
        raise _Rejection(f"could not be read: {error.strerror or error}") from None


def _read_folder(folder: Path) -> _Candidate:
    student_id = _student_id(folder.name)
    notebooks: list[Path] = []
    links: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not _ignored(d))
        for name in [*dirs, *sorted(f for f in files if not _ignored(f))]:
            path = Path(root, name)
            if path.is_symlink():
                links.append(path)
            elif name in files and name.lower().endswith(".ipynb"):
                notebooks.append(path)
    if links:
        raise _Rejection(
            f"the folder contains a symbolic link ({links[0].relative_to(folder)}); links are not followed, "
            "put the real files in the folder instead"
        )
    notebook_path = _exactly_one(notebooks, "the folder", lambda p: str(p.relative_to(folder)))
    inner = notebook_path.relative_to(folder)
    try:
        status = notebook_path.lstat()
    except OSError as error:
        raise _Rejection(f"the notebook {inner} in the folder could not be read: {error.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise _Rejection(f"the notebook {inner} in the folder is not a regular file")
    if status.st_size == 0:
        raise _Rejection(f"the notebook {inner} in the folder is empty")
    notebook = _parse_notebook(_read_bytes(notebook_path), f"the notebook {inner} in the folder is not valid")
    return _Candidate(student_id, folder, notebook, datetime.fromtimestamp(status.st_mtime, UTC))


def _exactly_one(items: list, container: str, describe):
    if not items:
        raise _Rejection(f"{container} holds no notebook (.ipynb)")
    if len(items) > 1:
        names = ", ".join(describe(item) for item in items[:5]) + (", ..." if len(items) > 5 else "")
        raise _Rejection(f"{container} holds {len(items)} notebooks ({names}); expected exactly one")
    return items[0]


def _member_parts(name: str) -> tuple[str, ...]:
    return PurePosixPath(name.replace("\\", "/")).parts


def _read_zip(
    path: Path, status: os.stat_result, max_member_bytes: int, max_members: int
) -> tuple[nbformat.NotebookNode, datetime]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > max_members:
                raise _Rejection(f"the zip holds {len(members)} entries; at most {max_members} are allowed")
            notebooks = [
                member
                for member in members
                if not member.is_dir()
                and member.filename.lower().endswith(".ipynb")
                and not any(_ignored(part) for part in _member_parts(member.filename))
            ]
            member = _exactly_one(notebooks, "the zip", lambda m: m.filename)
            inner = f"the notebook {member.filename} in the zip"
            if member.flag_bits & 0x1:
                raise _Rejection("the zip is password-protected; ask for an unencrypted archive")
            if member.file_size > max_member_bytes:
                raise _Rejection(
                    f"{inner} is too large: {_size(member.file_size)} uncompressed, "
                    f"over the limit of {_size(max_member_bytes)}"
                )
            if member.file_size == 0:
                raise _Rejection(f"{inner} is empty")
            with archive.open(member) as stream:
                data = stream.read(max_member_bytes + 1)
            if len(data) > max_member_bytes:
                raise _Rejection(f"{inner} is too large: over the limit of {_size(max_member_bytes)}")
            if not data:
                raise _Rejection(f"{inner} is empty")
            timestamp = _member_timestamp(member, status)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, zlib.error) as e:
        raise _Rejection(f"is not a readable zip archive (it may be damaged or incomplete): {e}") from None
    except RuntimeError as error:  # zipfile's "File is encrypted, password required"
        raise _Rejection(f"is not a readable zip archive: {error}") from None
    except OSError as error:
        raise _Rejection(f"could not be read: {error.strerror or error}") from None
    return _parse_notebook(data, f"{inner} is not valid"), timestamp


def _member_timestamp(member: zipfile.ZipInfo, status: os.stat_result) -> datetime:
    """The member's Info-ZIP extended (UTC) mtime if present, else its DOS date read as UTC."""
    extra, offset = member.extra, 0
    while offset + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, offset)
        body = extra[offset + 4 : offset + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            try:
                return datetime.fromtimestamp(struct.unpack_from("<i", body, 1)[0], UTC)
            except (OverflowError, OSError, ValueError):
                break
        offset += 4 + size
    try:
        return datetime(*member.date_time, tzinfo=UTC)
    except ValueError:  # a nonsense DOS date: fall back to the archive's own modification time
        return datetime.fromtimestamp(status.st_mtime, UTC)


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count} bytes"


def _parse_notebook(data: bytes, context: str) -> nbformat.NotebookNode:
    """``data`` as a valid nbformat v4 notebook (upgraded if older); raise ``_Rejection`` prefixed by ``context``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Rejection(f"{context}: it is not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _Rejection(f"{context}: it is not valid JSON ({_first_line(error)})") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise _Rejection(f"{context}: it is JSON but not a Jupyter notebook (it has no nbformat version)")
    try:
        with warnings.catch_warnings():
            # nbformat warns while repairing missing or duplicate cell ids; repairing is what we want.
            warnings.simplefilter("ignore")
            notebook = nbformat.convert(nbformat.from_dict(raw), 4)
            if notebook.nbformat_minor < nbformat.v4.nbformat_minor:  # convert() keeps a v4.x minor as it is
                notebook = nbformat.v4.upgrade(notebook)
            notebook = nbformat.from_dict(normalize(notebook)[1])
    except Exception as error:  # hostile input can break nbformat in many ways; none may stop the collection
        raise _Rejection(f"{context}: nbformat cannot read it ({_first_line(error)})") from None
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        raise _Rejection(f"{context}: it is not a valid nbformat v4 notebook ({_first_line(error)})") from None
    return notebook


def _first_line(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    line = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    return line if len(line) <= 200 else line[:197] + "..."


def _write_submission(notebook: nbformat.NotebookNode, timestamp: datetime, destination: Path) -> None:
    """Write the notebook and its timestamp.txt, each atomically; leave no temporary file behind on failure."""
    folder = destination.parent
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        staged.append((_stage(folder, lambda f: nbformat.write(notebook, f, version=4)), destination))
        staged.append((_stage(folder, lambda f: f.write(format_timestamp(timestamp))), folder / "timestamp.txt"))
        for temporary, final in staged:
            os.replace(temporary, final)
    finally:
        for temporary, _ in staged:
            if os.path.exists(temporary):
                os.unlink(temporary)


def _stage(folder: Path, write) -> str:
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".collect-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary
