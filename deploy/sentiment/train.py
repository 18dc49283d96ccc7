"""Train, evaluate and export the sentiment classifier: ``python -m sentiment.train [--output DIR]``.

``train`` fits a ``BagOfNgrams`` on the ``train`` split with AdamW and BCEWithLogitsLoss, shuffling with a seeded
``torch.Generator``, and stops early on the ``validation`` loss (restoring the best epoch's weights). ``evaluate``
scores a split, ``baselines`` gives the majority class and a TF-IDF + logistic regression model on the same split,
and ``main`` does all of it on the course corpus and writes the artifact (see ``sentiment.artifact``).
"""

import argparse
import copy
import hashlib
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from torch import nn
from tqdm import tqdm

from sentiment.data import REVIEWS_V1, load_reviews
from sentiment.model import BagOfNgrams, collate, positive_probabilities
from sentiment.text import Vocabulary, features

POSITIVE = "positive"
NEGATIVE = "negative"
DATA_VERSION = "reviews-v1"
TFIDF_C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run (AdamW uses its default weight decay, 0.01)."""

    embedding_dim: int = 64
    dropout: float = 0.5
    learning_rate: float = 0.005
    batch_size: int = 32
    max_epochs: int = 30
    patience: int = 3
    min_freq: int = 2
    seed: int = 0


@dataclass
class TrainedModel:
    """A trained model with its vocabulary and the record of how it was trained."""

    model: BagOfNgrams
    vocab: Vocabulary
    config: TrainConfig
    best_epoch: int
    history: list[dict] = field(default_factory=list)
    train_seconds: float = 0.0
    data_version: str = "unknown"
    data_sha256: str | None = None
    test_metrics: dict | None = None
    baselines: dict | None = None


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def split_of(reviews: pd.DataFrame, split: str) -> pd.DataFrame:
    part = reviews[reviews["split"] == split]
    if part.empty:
        raise ValueError(f"the reviews have no {split!r} rows")
    return part


def targets(labels: pd.Series) -> torch.Tensor:
    return torch.tensor((labels == POSITIVE).to_numpy(), dtype=torch.float32)


def mean_loss(model: BagOfNgrams, encoded: list[list[int]], y: torch.Tensor, batch_size: int = 512) -> float:
    """The mean BCE loss over a whole split, in eval mode."""
    model.eval()
    total = 0.0
    loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
    with torch.no_grad():
        for start in range(0, len(encoded), batch_size):
            ids, offsets = collate(encoded[start : start + batch_size])
            total += loss_fn(model(ids, offsets), y[start : start + batch_size]).item()
    return total / len(encoded)


def train(reviews: pd.DataFrame, config: TrainConfig | None = None, progress: bool = True) -> TrainedModel:
    """Fit a BagOfNgrams on the ``train`` rows, early-stopping on the ``validation`` loss.

    The returned model holds the weights of the epoch with the lowest validation loss and is in eval mode.
    """
    config = config or TrainConfig()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    seed_everything(config.seed)
    started = time.perf_counter()

    train_rows, valid_rows = split_of(reviews, "train"), split_of(reviews, "validation")
    train_features = [features(text) for text in train_rows["text"]]
    vocab = Vocabulary.build(train_features, min_freq=config.min_freq)
    train_ids = [vocab.encode(tokens) for tokens in train_features]
    valid_ids = [vocab.encode(features(text)) for text in valid_rows["text"]]
    y_train, y_valid = targets(train_rows["label"]), targets(valid_rows["label"])

    model = BagOfNgrams(len(vocab), config.embedding_dim, config.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, fused=True)
    loss_fn = nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(config.seed)

    best_loss, best_epoch, best_state, stale = float("inf"), 0, copy.deepcopy(model.state_dict()), 0
    history = []
    bar = tqdm(range(1, config.max_epochs + 1), desc="training", unit="epoch", file=sys.stdout, disable=not progress)
    for epoch in bar:
        model.train()
        running, seen = 0.0, 0
        order = torch.randperm(len(train_ids), generator=generator).tolist()
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            ids, offsets = collate([train_ids[i] for i in batch])
            optimizer.zero_grad()
            loss = loss_fn(model(ids, offsets), y_train[batch])
            loss.backward()
            optimizer.step()
            running += loss.item() * len(batch)
            seen += len(batch)
        valid_loss = mean_loss(model, valid_ids, y_valid)
        history.append({"epoch": epoch, "train_loss": running / seen, "valid_loss": valid_loss})
        bar.set_postfix(train_loss=f"{running / seen:.3f}", valid_loss=f"{valid_loss:.3f}")
        if valid_loss < best_loss:
            best_loss, best_epoch, best_state, stale = valid_loss, epoch, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= config.patience:
                break
    bar.close()
    model.load_state_dict(best_state)
    model.eval()
    return TrainedModel(
        model=model,
        vocab=vocab,
        config=config,
        best_epoch=best_epoch,
        history=history,
        train_seconds=time.perf_counter() - started,
    )


def scores(true_labels, predicted_labels) -> dict:
    """Accuracy, macro F1 over the two labels, and the number of texts."""
    true_labels, predicted_labels = list(true_labels), list(predicted_labels)
    return {
        "accuracy": float(accuracy_score(true_labels, predicted_labels)),
        "f1": float(f1_score(true_labels, predicted_labels, average="macro", labels=[NEGATIVE, POSITIVE])),
        "n": len(true_labels),
    }


def evaluate(trained: TrainedModel, reviews: pd.DataFrame, split: str = "test") -> dict:
    """``{"accuracy", "f1", "n"}`` of the model on one split (F1 is macro-averaged over the two labels)."""
    part = split_of(reviews, split)
    probabilities = positive_probabilities(trained.model, trained.vocab, part["text"].tolist())
    predicted = [POSITIVE if p >= 0.5 else NEGATIVE for p in probabilities]
    return scores(part["label"], predicted)


def baselines(reviews: pd.DataFrame) -> dict:
    """Test-split scores of the majority class (of ``train``) and of TF-IDF (word 1-2 grams) + LogisticRegression.

    The regression's ``C`` is picked on the validation split from ``TFIDF_C_GRID``.
    """
    train_rows, valid_rows, test_rows = (split_of(reviews, s) for s in ("train", "validation", "test"))
    majority = train_rows["label"].value_counts().sort_index().idxmax()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    x_train = vectorizer.fit_transform(train_rows["text"])
    x_valid, x_test = vectorizer.transform(valid_rows["text"]), vectorizer.transform(test_rows["text"])
    best_c, best_accuracy = None, -1.0
    for c in TFIDF_C_GRID:
        classifier = LogisticRegression(C=c, max_iter=2000).fit(x_train, train_rows["label"])
        accuracy = accuracy_score(valid_rows["label"], classifier.predict(x_valid))
        if accuracy > best_accuracy:
            best_c, best_accuracy = c, accuracy
    classifier = LogisticRegression(C=best_c, max_iter=2000).fit(x_train, train_rows["label"])
    return {
        "majority": {"label": majority, **scores(test_rows["label"], [majority] * len(test_rows))},
        "tfidf_logreg": {"C": best_c, **scores(test_rows["label"], classifier.predict(x_test))},
    }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def results_table(trained: TrainedModel) -> str:
    rows = [("bag-of-ngrams (this model)", trained.test_metrics)]
    rows += [(name, metrics) for name, metrics in (trained.baselines or {}).items()]
    lines = [f"{'model':<28} {'accuracy':>9} {'F1':>7} {'n':>5}", "-" * 52]
    lines += [f"{name:<28} {m['accuracy']:>9.4f} {m['f1']:>7.4f} {m['n']:>5}" for name, m in rows]
    lines.append(
        f"training: {trained.train_seconds:.1f} s, best epoch {trained.best_epoch} of {len(trained.history)}, "
        f"vocabulary {len(trained.vocab)} tokens"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> TrainedModel:
    from sentiment.artifact import DEFAULT_ARTIFACT, save_artifact

    parser = argparse.ArgumentParser(prog="python -m sentiment.train", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_ARTIFACT, help="artifact folder (default: %(default)s)")
    parser.add_argument("--data", type=Path, default=REVIEWS_V1, help="reviews CSV (default: %(default)s)")
    args = parser.parse_args(argv)

    reviews = load_reviews(args.data)
    config = TrainConfig()
    print(f"{len(reviews)} reviews from {args.data}; {asdict(config)}")
    trained = train(reviews, config)
    trained.data_version = DATA_VERSION if args.data.resolve() == REVIEWS_V1 else args.data.stem
    trained.data_sha256 = file_sha256(args.data)
    trained.test_metrics = evaluate(trained, reviews, "test")
    trained.baselines = baselines(reviews)
    print(results_table(trained))
    folder = save_artifact(args.output, trained)
    size = sum(path.stat().st_size for path in folder.iterdir() if path.is_file())
    print(f"artifact: {folder} ({size / 1e6:.2f} MB)")
    return trained


if __name__ == "__main__":
    main()
