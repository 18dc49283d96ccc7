"""The classifier: the mean of learned n-gram embeddings, dropout, and one linear unit (the logit of positive)."""

from collections.abc import Sequence

import torch
from torch import nn

from sentiment.text import Vocabulary, features


class BagOfNgrams(nn.Module):
    """``EmbeddingBag(mean, padding_idx=0)`` -> dropout -> ``Linear(embedding_dim, 1)``.

    ``forward(ids, offsets)`` takes the flat ids and bag offsets that ``collate`` makes and returns one logit per
    text, shape ``(batch,)``; ``sigmoid(logit)`` is the probability that the text is positive.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 64, dropout: float = 0.2):
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.embedding = nn.EmbeddingBag(vocab_size, embedding_dim, mode="mean", padding_idx=0)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(embedding_dim, 1)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Small uniform embeddings (the mean of many N(0, 1) vectors would start far from zero), a zero PAD row."""
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        with torch.no_grad():
            self.embedding.weight[0].zero_()
        self.output.reset_parameters()

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        pooled = self.embedding(ids, offsets)
        return self.output(self.dropout(pooled)).squeeze(-1)


def collate(encoded_texts: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat ``ids`` and start ``offsets`` (both int64) for ``EmbeddingBag``; ``len(offsets) == len(encoded_texts)``.

    An empty text becomes the single id 0 (``<pad>``), which the bag ignores, so its embedding is all zeros.
    """
    bags = [list(ids) if len(ids) else [0] for ids in encoded_texts]
    lengths = torch.tensor([len(bag) for bag in bags], dtype=torch.long)
    offsets = torch.zeros(len(bags), dtype=torch.long)
    if len(bags) > 1:
        offsets[1:] = torch.cumsum(lengths[:-1], dim=0)
    ids = torch.tensor([token for bag in bags for token in bag], dtype=torch.long)
    return ids, offsets


def positive_probabilities(
    model: BagOfNgrams, vocab: Vocabulary, texts: Sequence[str], batch_size: int = 256
) -> list[float]:
    """P(positive) for every text, in input order, in batches, in eval mode without gradients.

    The model's training mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    probabilities: list[float] = []
    try:
        with torch.no_grad():
            for start in range(0, len(texts), batch_size):
                batch = texts[start : start + batch_size]
                ids, offsets = collate([vocab.encode(features(text)) for text in batch])
                probabilities.extend(torch.sigmoid(model(ids, offsets)).tolist())
    finally:
        model.train(was_training)
    return probabilities
