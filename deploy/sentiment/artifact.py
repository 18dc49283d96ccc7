"""The trained classifier on disk, and the ``Predictor`` that serves it.

An artifact is one folder (by default ``deploy/sentiment/artifact/``) holding four files:

``weights.pt``
    The model's ``state_dict``, written by ``torch.save`` and read with ``torch.load(weights_only=True)``.
``vocab.json``
    ``Vocabulary.to_dict()``: ``{"pad": "<pad>", "unk": "<unk>", "tokens": [...]}``, the token of id ``i`` at
    index ``i``.
``config.json``
    What is needed to rebuild the model and its input: ``format_version``, ``model`` (``class``,
    ``vocab_size``, ``embedding_dim``, ``dropout``), ``tokenizer`` (``sentiment.text.TOKENIZER_DESCRIPTION``: how
    ``sentiment.text.features`` turns a text into tokens, ``NOT_``-marked negation scopes and bigrams),
    ``labels`` (the logit is that of ``"positive"``; ``threshold`` 0.5) and ``training`` (the ``TrainConfig`` used).
``metadata.json``
    Where the model came from: ``format_version``; ``model_version``
    (``"bag-of-ngrams-<yyyymmdd>-<first 8 hex of the sha256 of weights.pt>"``); ``weights_sha256``;
    ``data_version`` (``"reviews-v1"``) and ``data_sha256`` (of the CSV); ``test_metrics``
    (``{"accuracy", "f1", "n"}``, F1 macro-averaged); ``baselines`` (majority class and TF-IDF + logistic
    regression on the same test split); ``trained_at`` (UTC, ISO 8601); ``torch_version``; ``train_seconds``
    and ``best_epoch``.

``load_artifact`` checks that the four files exist and parse, that both JSON files carry this module's
``FORMAT_VERSION`` (2 since the features mark negation scope; 1 had none), that ``config.json`` describes the
features this code computes (``tokenizer``), that ``weights.pt`` still has the sha256 recorded in ``metadata.json``
(and in ``model_version``), and that the vocabulary and weights have the sizes ``config.json`` states; any failure
raises ``ArtifactError`` naming the file. ``predict(texts)`` serves the default artifact, loaded on first use.
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import torch

from sentiment.model import BagOfNgrams, positive_probabilities
from sentiment.text import TOKENIZER_DESCRIPTION, Vocabulary

FORMAT_VERSION = 2
DEFAULT_ARTIFACT = Path(__file__).resolve().parent / "artifact"
WEIGHTS, VOCAB, CONFIG, METADATA = "weights.pt", "vocab.json", "config.json", "metadata.json"
FILES = (WEIGHTS, VOCAB, CONFIG, METADATA)
MODEL_NAME = "bag-of-ngrams"
POSITIVE, NEGATIVE = "positive", "negative"
THRESHOLD = 0.5


class ArtifactError(RuntimeError):
    """An artifact folder is missing a file, or a file is corrupt or does not match the others."""


@dataclass(frozen=True)
class Prediction:
    """A predicted label and its probability, which is at least 0.5."""

    label: str
    score: float


class Predictor:
    """Predicts labels with a model and its vocabulary (``metadata`` and ``config`` describe where they came from)."""

    def __init__(self, model: BagOfNgrams, vocab: Vocabulary, metadata: dict | None = None, config: dict | None = None):
        self.model = model.eval()
        self.vocab = vocab
        self.metadata = metadata or {}
        self.config = config or {}

    @property
    def model_version(self) -> str | None:
        return self.metadata.get("model_version")

    def predict(self, texts: list[str], batch_size: int = 256) -> list[Prediction]:
        """One Prediction per text, in input order; ``score`` is the probability of the returned label."""
        if isinstance(texts, str) or not all(isinstance(text, str) for text in texts):
            raise TypeError("predict takes a list of strings (wrap a single text in a list)")
        probabilities = positive_probabilities(self.model, self.vocab, list(texts), batch_size)
        return [Prediction(POSITIVE, p) if p >= THRESHOLD else Prediction(NEGATIVE, 1.0 - p) for p in probabilities]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_artifact(folder: Path, trained) -> Path:
    """Write ``trained`` (a ``sentiment.train.TrainedModel``) as an artifact folder; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = trained.model
    torch.save(model.state_dict(), folder / WEIGHTS)
    weights_sha256 = sha256_of(folder / WEIGHTS)
    trained_at = datetime.now(UTC).replace(microsecond=0)
    config = {
        "format_version": FORMAT_VERSION,
        "model": {
            "class": type(model).__name__,
            "vocab_size": len(trained.vocab),
            "embedding_dim": model.embedding_dim,
            "dropout": model.dropout.p,
        },
        "tokenizer": TOKENIZER_DESCRIPTION,
        "labels": {"logit_of": POSITIVE, "otherwise": NEGATIVE, "threshold": THRESHOLD},
        "training": asdict(trained.config),
    }
    metadata = {
        "format_version": FORMAT_VERSION,
        "model_version": f"{MODEL_NAME}-{trained_at:%Y%m%d}-{weights_sha256[:8]}",
        "weights_sha256": weights_sha256,
        "data_version": trained.data_version,
        "data_sha256": trained.data_sha256,
        "test_metrics": trained.test_metrics,
        "baselines": trained.baselines,
        "trained_at": trained_at.isoformat(),
        "torch_version": torch.__version__,
        "train_seconds": round(trained.train_seconds, 2),
        "best_epoch": trained.best_epoch,
    }
    write_json(folder / VOCAB, trained.vocab.to_dict(), indent=None)
    write_json(folder / CONFIG, config)
    write_json(folder / METADATA, metadata)
    return folder


def write_json(path: Path, data: dict, indent: int | None = 2) -> None:
    path.write_text(json.dumps(data, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{path}: corrupt {path.name}, not valid JSON ({error})") from error
    if not isinstance(data, dict):
        raise ArtifactError(f"{path}: corrupt {path.name}, expected a JSON object")
    return data


def load_artifact(folder: Path = DEFAULT_ARTIFACT) -> Predictor:
    """A Predictor for the artifact in ``folder``; raises ArtifactError naming any missing or corrupt file."""
    folder = Path(folder)
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise ArtifactError(f"{folder}: artifact file(s) missing: {', '.join(missing)} (expected {', '.join(FILES)})")
    config, metadata = read_json(folder / CONFIG), read_json(folder / METADATA)
    for name, data in ((CONFIG, config), (METADATA, metadata)):
        if data.get("format_version") != FORMAT_VERSION:
            raise ArtifactError(
                f"{folder / name}: format_version is {data.get('format_version')!r}, this code reads {FORMAT_VERSION}"
            )
    if config.get("tokenizer") != TOKENIZER_DESCRIPTION:
        raise ArtifactError(
            f"{folder / CONFIG}: the tokenizer it was trained with differs from sentiment.text's features "
            f"({config.get('tokenizer', {}).get('name') if isinstance(config.get('tokenizer'), dict) else None!r}); "
            "retrain: python -m sentiment.train"
        )
    try:
        vocab = Vocabulary.from_dict(read_json(folder / VOCAB))
        model_config = config["model"]
        vocab_size, embedding_dim = int(model_config["vocab_size"]), int(model_config["embedding_dim"])
        dropout = float(model_config["dropout"])
        recorded_sha256, model_version = metadata["weights_sha256"], metadata["model_version"]
    except ArtifactError:
        raise
    except (ValueError, KeyError, TypeError) as error:
        raise ArtifactError(f"{folder}: corrupt artifact description ({type(error).__name__}: {error})") from error
    if len(vocab) != vocab_size:
        raise ArtifactError(f"{folder / VOCAB}: {len(vocab)} tokens, but {CONFIG} says vocab_size {vocab_size}")
    actual_sha256 = sha256_of(folder / WEIGHTS)
    if actual_sha256 != recorded_sha256 or not str(model_version).endswith(actual_sha256[:8]):
        raise ArtifactError(
            f"{folder / WEIGHTS}: sha256 {actual_sha256[:12]}... does not match {METADATA} "
            f"({str(recorded_sha256)[:12]}..., model_version {model_version!r}); the weights are corrupt or replaced"
        )
    try:
        state = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True)
        model = BagOfNgrams(vocab_size, embedding_dim, dropout)
        model.load_state_dict(state)
    except Exception as error:
        raise ArtifactError(f"{folder / WEIGHTS}: cannot load the weights ({type(error).__name__}: {error})") from error
    return Predictor(model, vocab, metadata, config)


@lru_cache(maxsize=1)
def default_predictor() -> Predictor:
    """The Predictor of ``DEFAULT_ARTIFACT``, loaded on first use and then reused."""
    return load_artifact(DEFAULT_ARTIFACT)


def predict(texts: list[str]) -> list[Prediction]:
    """Predictions of the default artifact (loaded lazily, on the first call)."""
    return default_predictor().predict(texts)
