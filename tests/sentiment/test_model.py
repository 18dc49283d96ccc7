"""The BagOfNgrams model, its batching, and a short training run that must fit a tiny data set."""

from dataclasses import replace

import pytest
import torch

from sentiment.model import BagOfNgrams, collate
from sentiment.train import baselines, evaluate, train


def test_collate_flattens_ids_and_offsets_each_bag():
    ids, offsets = collate([[5, 6, 7], [8], [], [9, 10]])
    assert ids.tolist() == [5, 6, 7, 8, 0, 9, 10]
    assert offsets.tolist() == [0, 3, 4, 5]
    assert ids.dtype == offsets.dtype == torch.long


def test_forward_gives_one_logit_per_text_and_ignores_padding():
    torch.manual_seed(0)
    model = BagOfNgrams(vocab_size=20, embedding_dim=8).eval()
    with torch.no_grad():
        logits = model(*collate([[2, 3], [4], [5, 6, 7]]))
        with_padding = model(*collate([[2, 3, 0, 0], [], [0]])).tolist()
    assert logits.shape == (3,)
    assert with_padding[0] == pytest.approx(logits[0].item(), abs=1e-6)
    assert with_padding[1] == pytest.approx(with_padding[2]) == pytest.approx(model.output.bias.item())


def test_a_short_run_fits_the_tiny_training_set(tiny_trained, tiny_reviews):
    metrics = evaluate(tiny_trained, tiny_reviews, "train")
    assert metrics == {"accuracy": 1.0, "f1": 1.0, "n": (tiny_reviews["split"] == "train").sum()}
    assert evaluate(tiny_trained, tiny_reviews, "test")["accuracy"] == 1.0
    assert not tiny_trained.model.training


def test_training_restores_the_weights_of_the_best_validation_epoch(tiny_trained):
    losses = [epoch["valid_loss"] for epoch in tiny_trained.history]
    assert tiny_trained.best_epoch == 1 + losses.index(min(losses))


def test_early_stopping_stops_after_patience_epochs_without_improvement(tiny_reviews, tiny_config):
    config = replace(tiny_config, learning_rate=1.0, patience=2)
    trained = train(tiny_reviews, config, progress=False)
    assert len(trained.history) == trained.best_epoch + 2 < config.max_epochs


def test_training_is_reproducible_with_a_seed(tiny_trained, tiny_reviews, tiny_config):
    again = train(tiny_reviews, tiny_config, progress=False)
    for name, tensor in tiny_trained.model.state_dict().items():
        assert torch.equal(tensor, again.model.state_dict()[name]), name


def test_progress_bar_writes_to_stdout(capsys, tiny_reviews, tiny_config):
    train(tiny_reviews, replace(tiny_config, max_epochs=2), progress=True)
    assert "training" in capsys.readouterr().out


def test_baselines_score_the_majority_class_and_tfidf(tiny_reviews):
    result = baselines(tiny_reviews)
    assert result["majority"]["accuracy"] == 0.5 and result["majority"]["n"] == 2
    assert result["tfidf_logreg"]["accuracy"] == 1.0
