"""Loaders for the course's review corpus and for two public sentiment datasets, in one table format.

Every loader returns a pandas DataFrame with columns ``id, text, label, domain, split``:
``label`` is ``"positive"`` or ``"negative"`` and ``split`` is ``"train"``, ``"validation"`` or
``"test"``. Nothing is downloaded: the public datasets are read from files you already have.
"""

import csv
import re
import tarfile
from pathlib import Path

import pandas as pd

COLUMNS = ["id", "text", "label", "domain", "split"]
LABELS = {"positive", "negative"}
SPLITS = {"train", "validation", "test"}
REVIEWS_V1 = Path(__file__).resolve().parents[2] / "data" / "reviews" / "reviews-v1.csv"
IMDB_FILE = re.compile(r"^(?P<id>\d+)_(?P<rating>\d+)\.txt$")
IMDB_LABELS = {"pos": "positive", "neg": "negative"}
SST2_SPLITS = {"train.tsv": "train", "dev.tsv": "validation"}


class DatasetFormatError(ValueError):
    """A data file is not in the layout its loader expects; the message says where and why."""


def validate(table: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Check the common table format; raise DatasetFormatError naming the first problem found."""
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise DatasetFormatError(f"{origin}: missing column(s) {missing}; expected {COLUMNS}")
    checks = {
        "label": ~table["label"].isin(LABELS),
        "split": ~table["split"].isin(SPLITS),
        "text": table["text"].fillna("").str.strip().eq(""),
        "id": table["id"].duplicated(keep=False),
    }
    for column, bad in checks.items():
        if bad.any():
            row = int(bad.idxmax())
            raise DatasetFormatError(f"{origin}: row {row + 2} has an invalid {column}: {table.loc[row, column]!r}")
    return table[COLUMNS].reset_index(drop=True)


def load_reviews(path: Path = REVIEWS_V1) -> pd.DataFrame:
    """The course's review corpus (``data/reviews/reviews-v1.csv`` by default)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return validate(table, str(path))


def imdb_rows(members) -> list[dict]:
    """Rows from ``(relative path parts, read text)`` pairs of an aclImdb tree."""
    rows = []
    for parts, read in members:
        if len(parts) < 3 or parts[-3] not in ("train", "test") or parts[-2] not in IMDB_LABELS:
            continue
        match = IMDB_FILE.match(parts[-1])
        if match is None:
            continue
        text = read().replace("<br />", " ").strip()
        split, label = parts[-3], IMDB_LABELS[parts[-2]]
        rows.append(
            {
                "id": f"imdb-{split}-{parts[-2]}-{match['id']}",
                "text": text,
                "label": label,
                "domain": "films",
                "split": split,
            }
        )
    return rows


def load_imdb(path: Path) -> pd.DataFrame:
    """The Large Movie Review Dataset: the ``aclImdb`` folder (or its parent), or the ``aclImdb_v1.tar.gz`` tarball.

    Reads ``{train,test}/{pos,neg}/<id>_<rating>.txt``; ``unsup/`` and the other files are skipped.
    IMDB has no validation split: make one from ``train`` if you need it.
    """
    path = Path(path)
    if path.is_file():
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            rows = imdb_rows(
                (Path(m.name).parts, lambda m=m: archive.extractfile(m).read().decode("utf-8")) for m in members
            )
    else:
        root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
        files = sorted(root.glob("*/*/*.txt"))
        rows = imdb_rows((f.relative_to(root).parts, lambda f=f: f.read_text(encoding="utf-8")) for f in files)
    if not rows:
        raise DatasetFormatError(
            f"{path}: no reviews found in the aclImdb layout {{train,test}}/{{pos,neg}}/<id>_<rating>.txt"
        )
    return validate(pd.DataFrame(rows), str(path))


def load_sst2(folder: Path) -> pd.DataFrame:
    """SST-2 in GLUE's TSV layout: ``train.tsv`` and ``dev.tsv`` with ``sentence<TAB>label`` (1 = positive).

    GLUE's ``test.tsv`` has no labels and is skipped; ``dev.tsv`` becomes the ``validation`` split.
    """
    folder = Path(folder)
    frames = []
    for name, split in SST2_SPLITS.items():
        path = folder / name
        if not path.is_file():
            raise DatasetFormatError(f"{folder}: {name} is missing (expected GLUE's SST-2 folder)")
        table = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
        if list(table.columns) != ["sentence", "label"] or not table["label"].isin(["0", "1"]).all():
            raise DatasetFormatError(f"{path}: expected columns sentence<TAB>label with labels 0 or 1")
        frames.append(
            pd.DataFrame(
                {
                    "id": [f"sst2-{split}-{index}" for index in range(len(table))],
                    "text": table["sentence"].str.strip(),
                    "label": table["label"].map({"1": "positive", "0": "negative"}),
                    "domain": "films",
                    "split": split,
                }
            )
        )
    return validate(pd.concat(frames, ignore_index=True), str(folder))
