"""The tokenizer, negation marking, bigrams, features and vocabulary of the sentiment classifier."""

import json

import pytest

from sentiment.text import Vocabulary, features, mark_negation, tokenize, with_bigrams


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Absolutely LOVED it.", ["absolutely", "loved", "it"]),
        ("I don't like it", ["i", "don't", "like", "it"]),
        ("I don\u2019t like it", ["i", "don't", "like", "it"]),
        ("Wow! Really?", ["wow", "!", "really", "?"]),
        ("Since the 4.2 update, 3 crashes", ["since", "the", "4.2", "update", "3", "crashes"]),
        ("well-made, (mostly); 'quoted'...", ["well", "made", "mostly", "quoted"]),
        ("rock'n'roll isn't dead", ["rock'n'roll", "isn't", "dead"]),
        ("Caf\u00e9 cr\u00e8me", ["caf\u00e9", "cr\u00e8me"]),
        ("!!", ["!", "!"]),
        ("... -- ,,", []),
        ("", []),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("tokens", "marked"),
    [
        (["it", "is", "not", "easy", "to", "use", "."], ["it", "is", "not", "NOT_easy", "NOT_to", "NOT_use"]),
        (["not", "good", ",", "but", "fine"], ["not", "NOT_good", "but", "fine"]),
        (["didn't", "work", "but", "cheap"], ["didn't", "NOT_work", "but", "cheap"]),
        (["never", "again", "!", "great"], ["never", "NOT_again", "!", "great"]),
        (["no", "?", "ok"], ["no", "?", "ok"]),
        (["without", "a", "doubt", ";", "superb"], ["without", "NOT_a", "NOT_doubt", "superb"]),
        (["nothing", "works", "nor", "helps"], ["nothing", "NOT_works", "NOT_nor", "NOT_helps"]),
        (["hardly", "usable"], ["hardly", "NOT_usable"]),
        (["good", "value", "."], ["good", "value"]),
        ([], []),
    ],
)
def test_mark_negation_prefixes_the_scope_up_to_a_clause_boundary(tokens, marked):
    assert mark_negation(tokens) == marked


def test_features_mark_negation_then_add_bigrams():
    assert features("It isn't good. Fun!") == [
        "it",
        "isn't",
        "NOT_good",
        "fun",
        "!",
        "it isn't",
        "isn't NOT_good",
        "NOT_good fun",
        "fun !",
    ]
    assert features("Since the 4.2 update, no crashes") == with_bigrams(
        ["since", "the", "4.2", "update", "no", "NOT_crashes"]
    )


@pytest.mark.parametrize("text", ["Not bad at all, but the 1,000 steps... no; wait: why?!", "I don't like it", ""])
def test_features_without_the_prefix_are_the_tokens(text):
    unigrams = [token for token in features(text) if " " not in token]
    assert [token.removeprefix("NOT_") for token in unigrams] == tokenize(text)


def test_with_bigrams_appends_adjacent_pairs():
    assert with_bigrams(["not", "good", "!"]) == ["not", "good", "!", "not good", "good !"]
    assert with_bigrams(["one"]) == ["one"]
    assert with_bigrams([]) == []


@pytest.fixture
def vocab():
    texts = [["b", "a", "c"], ["a", "b", "d"], ["a", "c", "e"], ["b"]]
    return Vocabulary.build(texts, min_freq=2)


def test_vocabulary_reserves_pad_and_unk(vocab):
    assert vocab.PAD == "<pad>" and vocab.UNK == "<unk>"
    assert vocab.encode(["<pad>", "<unk>"]) == [0, 1]


def test_vocabulary_orders_by_frequency_then_alphabet_and_drops_rare_tokens(vocab):
    # a: 3, b: 3, c: 2 (kept, ties alphabetical); d, e: 1 (below min_freq)
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b", "c"]
    assert len(vocab) == 5
    assert vocab.encode(["c", "a", "d", "zzz"]) == [4, 2, 1, 1]


def test_vocabulary_max_size_counts_the_special_tokens():
    vocab = Vocabulary.build([["x", "y", "y", "z", "z", "z"]], min_freq=1, max_size=4)
    assert vocab.tokens == ["<pad>", "<unk>", "z", "y"]


def test_vocabulary_round_trips_through_json(vocab):
    restored = Vocabulary.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert restored == vocab and restored.encode(["b", "q"]) == vocab.encode(["b", "q"])


@pytest.mark.parametrize("data", [{}, {"tokens": ["a", "b"]}, {"tokens": ["<pad>", "<unk>", "a", "a"]}, [1, 2]])
def test_vocabulary_rejects_a_dict_that_is_not_one(data):
    with pytest.raises(ValueError):
        Vocabulary.from_dict(data)
