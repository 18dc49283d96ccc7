"""The course's review corpus: its size, balance and splits, and that it was written, not templated."""

import re
from collections import defaultdict
from itertools import combinations

import pytest

from sentiment.data import load_reviews

NEAR_DUPLICATE_JACCARD = 0.5
MAX_NEAR_DUPLICATE_SHARE = 0.02


@pytest.fixture(scope="module")
def reviews():
    return load_reviews()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def shingles(text: str, n: int = 5) -> set[tuple]:
    tokens = words(text)
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def near_duplicate_rows(texts: list[str]) -> set[int]:
    """Rows with another row whose word 5-gram Jaccard similarity is above the threshold."""
    sets = [shingles(text) for text in texts]
    index = defaultdict(set)
    for row, grams in enumerate(sets):
        for gram in grams:
            index[gram].add(row)
    candidates = {pair for rows in index.values() for pair in combinations(sorted(rows), 2)}
    flagged = set()
    for a, b in candidates:
        if len(sets[a] & sets[b]) / len(sets[a] | sets[b]) > NEAR_DUPLICATE_JACCARD:
            flagged.update((a, b))
    return flagged


def test_near_duplicate_detector_flags_a_light_rewording():
    texts = [
        "The room was spotless and the staff could not have been kinder to us.",
        "The room was spotless and the staff could not have been kinder to us all.",
        "Breakfast ran out before nine and nobody seemed to care.",
    ]
    assert near_duplicate_rows(texts) == {0, 1}


def test_corpus_is_large_balanced_and_covers_four_domains(reviews):
    assert len(reviews) >= 3000
    counts = reviews["label"].value_counts()
    assert abs(counts["positive"] - counts["negative"]) <= 0.01 * len(reviews), counts.to_dict()
    per_domain = reviews["domain"].value_counts()
    assert (per_domain >= 300).sum() >= 4, per_domain.to_dict()


def test_splits_are_stratified(reviews):
    shares = reviews["split"].value_counts(normalize=True)
    assert shares["train"] == pytest.approx(0.7, abs=0.02) and shares["test"] == pytest.approx(0.15, abs=0.02)
    for split, part in reviews.groupby("split"):
        positive = (part["label"] == "positive").mean()
        assert positive == pytest.approx(0.5, abs=0.03), f"{split} is {positive:.1%} positive"


def test_reviews_are_short(reviews):
    lengths = reviews["text"].map(lambda text: len(words(text)))
    assert lengths.between(3, 90).all(), reviews.loc[~lengths.between(3, 90), "text"].head().tolist()


def test_no_text_appears_in_two_splits(reviews):
    normalised = reviews["text"].map(lambda text: " ".join(words(text)))
    splits_per_text = reviews.groupby(normalised)["split"].nunique()
    assert (splits_per_text == 1).all(), splits_per_text[splits_per_text > 1].index[:5].tolist()


def test_near_duplicates_are_rare(reviews):
    flagged = near_duplicate_rows(reviews["text"].tolist())
    share = len(flagged) / len(reviews)
    assert share < MAX_NEAR_DUPLICATE_SHARE, f"{share:.1%} of rows are near-duplicates, e.g. {sorted(flagged)[:6]}"
