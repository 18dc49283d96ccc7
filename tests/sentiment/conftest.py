"""A tiny, separable review set and a model trained on it in a second, shared by the sentiment tests."""

import pandas as pd
import pytest

from sentiment.train import TrainConfig, train

POSITIVE = ["great fun", "loved it", "wonderful and great", "really loved the story", "fun fun fun", "truly wonderful"]
NEGATIVE = ["awful mess", "hated it", "boring and awful", "really hated the story", "dull dull dull", "truly boring"]
TINY_CONFIG = TrainConfig(
    embedding_dim=16, dropout=0.0, learning_rate=0.05, batch_size=4, max_epochs=40, patience=40, min_freq=1, seed=3
)


def make_tiny_reviews() -> pd.DataFrame:
    rows = [(text, "positive") for text in POSITIVE] + [(text, "negative") for text in NEGATIVE]
    table = pd.DataFrame(rows, columns=["text", "label"])
    table["id"] = [f"tiny-{i}" for i in range(len(table))]
    table["domain"] = "tiny"
    table["split"] = "train"
    extra = pd.DataFrame(
        {
            "id": ["v0", "v1", "t0", "t1"],
            "text": ["great story", "awful story", "loved it, great fun", "hated it, boring"],
            "label": ["positive", "negative", "positive", "negative"],
            "domain": "tiny",
            "split": ["validation", "validation", "test", "test"],
        }
    )
    return pd.concat([table, extra], ignore_index=True)


@pytest.fixture
def tiny_reviews() -> pd.DataFrame:
    return make_tiny_reviews()


@pytest.fixture
def tiny_config() -> TrainConfig:
    return TINY_CONFIG


@pytest.fixture
def tiny_texts() -> tuple[list[str], list[str]]:
    return POSITIVE, NEGATIVE


@pytest.fixture(scope="session")
def tiny_trained():
    return train(make_tiny_reviews(), TINY_CONFIG, progress=False)
