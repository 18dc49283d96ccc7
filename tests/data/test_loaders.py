"""Loaders for the public sentiment datasets read their real layouts (checked on small fixtures)."""

import tarfile
from pathlib import Path

import pandas as pd
import pytest

from sentiment.data import COLUMNS, DatasetFormatError, load_imdb, load_reviews, load_sst2

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
IMDB = FIXTURES / "imdb"


@pytest.mark.parametrize("path", [IMDB, IMDB / "aclImdb"])
def test_imdb_folder_gives_labelled_train_and_test_rows(path):
    table = load_imdb(path)
    assert list(table.columns) == COLUMNS
    counts = table.groupby(["split", "label"]).size().to_dict()
    assert counts == {
        ("test", "negative"): 1,
        ("test", "positive"): 1,
        ("train", "negative"): 2,
        ("train", "positive"): 2,
    }
    first = table.set_index("id").loc["imdb-train-pos-0", "text"]
    assert "<br />" not in first and first.startswith("A quiet, patient film")


def test_imdb_tarball_gives_the_same_rows_as_the_folder(tmp_path):
    tarball = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(IMDB / "aclImdb", arcname="aclImdb")
    from_tar = load_imdb(tarball).sort_values("id").reset_index(drop=True)
    from_folder = load_imdb(IMDB).sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(from_tar, from_folder)


def test_imdb_folder_without_reviews_is_refused_with_the_expected_layout(tmp_path):
    with pytest.raises(DatasetFormatError, match=r"no reviews found in the aclImdb layout"):
        load_imdb(tmp_path)


def test_sst2_maps_dev_to_validation_and_skips_the_unlabelled_test_file():
    table = load_sst2(FIXTURES / "sst2" / "SST-2")
    assert table.groupby(["split", "label"]).size().to_dict() == {
        ("train", "negative"): 1,
        ("train", "positive"): 2,
        ("validation", "negative"): 1,
        ("validation", "positive"): 1,
    }
    assert table.loc[0, "text"] == "a gentle , funny film that earns its tears ."


def test_sst2_with_bad_labels_is_refused(tmp_path):
    (tmp_path / "train.tsv").write_text("sentence\tlabel\nfine film\tpositive\n")
    (tmp_path / "dev.tsv").write_text("sentence\tlabel\nfine film\t1\n")
    with pytest.raises(DatasetFormatError, match="train.tsv: expected columns sentence<TAB>label"):
        load_sst2(tmp_path)


def test_sst2_missing_file_is_named(tmp_path):
    with pytest.raises(DatasetFormatError, match="train.tsv is missing"):
        load_sst2(tmp_path)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("r1,Great,happy,films,train", "invalid label: 'happy'"),
        ("r1,Great,positive,films,dev", "invalid split: 'dev'"),
        ("r1,,positive,films,train", "invalid text"),
    ],
)
def test_corpus_rows_are_validated(tmp_path, row, problem):
    path = tmp_path / "reviews.csv"
    path.write_text("id,text,label,domain,split\n" + row + "\n")
    with pytest.raises(DatasetFormatError, match=f"row 2 has an {problem}"):
        load_reviews(path)


def test_corpus_with_a_missing_column_is_refused(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("id,text,label\nr1,Great,positive\n")
    with pytest.raises(DatasetFormatError, match=r"missing column\(s\) \['domain', 'split'\]"):
        load_reviews(path)


def test_corpus_with_duplicate_ids_is_refused(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("id,text,label,domain,split\nr1,Great,positive,films,train\nr1,Awful,negative,films,test\n")
    with pytest.raises(DatasetFormatError, match="invalid id: 'r1'"):
        load_reviews(path)
