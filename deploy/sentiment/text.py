"""Text to features: the tokenizer, negation scope marking, word bigrams and the vocabulary of the sentiment classifier.

``tokenize`` lowercases a text and keeps words (inner apostrophes kept: ``"don't"``), numbers
(``"4.2"`` stays one token) and the marks ``!`` and ``?``; every other character is dropped.
``mark_negation`` marks negation scope (Das & Chen, 2001; Pang, Lee & Vaithyanathan, 2002): every token after a
negation cue (``not``, ``no``, ``never``, any ``n't`` form such as ``don't`` or ``wasn't``, ``nothing``, ...) up
to the next clause boundary (``.``, ``,``, ``;``, ``!``, ``?``, ``but`` or the end of the text) gets the prefix
``NOT_``, so that ``"not good"`` gives ``NOT_good`` and not ``good``.
``with_bigrams`` appends the word pairs ``"a b"``. ``features`` chains the three; ``Vocabulary`` maps tokens to
ids, with ``<pad>`` = 0 and ``<unk>`` = 1.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# A number with inner separators ("4.2", "1,000"), a word or number with inner apostrophes ("don't"), or ! and ?.
TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*|[!?]")
# The same tokens plus the marks . , ; that end a clause (used only to find where a negation's scope ends; they are
# dropped afterwards). TOKEN's alternatives come first, so every token of ``tokenize`` is matched unchanged.
CLAUSE_TOKEN = re.compile(TOKEN.pattern + r"|[.,;]")
NEGATION_PREFIX = "NOT_"
NEGATION_CUES = frozenset(
    ["not", "no", "never", "nothing", "nobody", "none", "nowhere", "neither", "nor", "cannot", "hardly", "without"]
)
NEGATION_CUE_SUFFIX = "n't"  # don't, isn't, wasn't, can't, won't, didn't, ...
CLAUSE_BOUNDARIES = frozenset([".", ",", ";", "!", "?", "but"])
TOKENIZER_DESCRIPTION = {
    "name": "sentiment.text.features: tokenize + mark_negation + with_bigrams",
    "lowercase": True,
    "apostrophes": "curly apostrophes become ', inner apostrophes are kept (don't)",
    "pattern": TOKEN.pattern,
    "negation": {
        "prefix": NEGATION_PREFIX,
        "cues": sorted(NEGATION_CUES),
        "cue_suffix": NEGATION_CUE_SUFFIX,
        "scope": "the tokens after a cue, up to the next clause boundary (not included)",
        "boundaries": sorted(CLAUSE_BOUNDARIES) + ["end of text"],
        "boundary_pattern": CLAUSE_TOKEN.pattern,
    },
    "bigrams": True,
}


def tokenize(text: str) -> list[str]:
    """Lowercase ``text`` and split it into words, numbers, ``!`` and ``?``; other punctuation is dropped."""
    return TOKEN.findall(text.lower().translate(APOSTROPHES))


def is_negation_cue(token: str) -> bool:
    """Whether ``token`` opens a negation scope: one of ``NEGATION_CUES`` or a word ending in ``n't``."""
    return token in NEGATION_CUES or token.endswith(NEGATION_CUE_SUFFIX)


def mark_negation(tokens: Sequence[str]) -> list[str]:
    """``NOT_`` before every token in a negation scope; the clause marks ``.``, ``,`` and ``;`` are dropped.

    A scope opens after a negation cue (the cue itself is not marked; a cue inside a scope is marked and keeps it
    open) and closes at a clause boundary (``.``, ``,``, ``;``, ``!``, ``?``, ``but``), which is never marked:
    ``[not, good, ",", but, fine] -> [not, NOT_good, but, fine]``.
    """
    marked: list[str] = []
    in_scope = False
    for token in tokens:
        if token in CLAUSE_BOUNDARIES:
            in_scope = False
            if token in (".", ",", ";"):
                continue
            marked.append(token)
        elif in_scope:
            marked.append(NEGATION_PREFIX + token)
        else:
            marked.append(token)
            in_scope = is_negation_cue(token)
    return marked


def with_bigrams(tokens: Sequence[str]) -> list[str]:
    """The tokens followed by every adjacent pair joined by a space: ``[a, b, c] -> [a, b, c, "a b", "b c"]``."""
    tokens = list(tokens)
    return tokens + [f"{first} {second}" for first, second in zip(tokens, tokens[1:], strict=False)]


def features(text: str) -> list[str]:
    """What the model reads from a text: its tokens, negation-marked, and their bigrams.

    Without the ``NOT_`` prefixes the unigrams are exactly ``tokenize(text)``.
    """
    return with_bigrams(mark_negation(CLAUSE_TOKEN.findall(text.lower().translate(APOSTROPHES))))


class Vocabulary:
    """A token <-> id mapping with ``<pad>`` = 0 and ``<unk>`` = 1; unknown tokens encode to 1."""

    PAD = "<pad>"
    UNK = "<unk>"

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if tokens[:2] != [self.PAD, self.UNK]:
            raise ValueError(f"a vocabulary must start with {self.PAD!r} and {self.UNK!r}, got {tokens[:2]}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary cannot hold the same token twice")
        self.tokens = tokens
        self.ids = {token: index for index, token in enumerate(tokens)}

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def unk_id(self) -> int:
        return 1

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], min_freq: int = 2, max_size: int = 30000) -> "Vocabulary":
        """The tokens seen at least ``min_freq`` times, most frequent first (ties alphabetical).

        ``max_size`` counts every entry, ``<pad>`` and ``<unk>`` included.
        """
        if max_size < 2:
            raise ValueError(f"max_size must leave room for {cls.PAD!r} and {cls.UNK!r}, got {max_size}")
        counts = Counter(token for tokens in token_lists for token in tokens)
        counts.pop(cls.PAD, None)
        counts.pop(cls.UNK, None)
        kept = sorted((token for token, count in counts.items() if count >= min_freq), key=lambda t: (-counts[t], t))
        return cls([cls.PAD, cls.UNK, *kept[: max_size - 2]])

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """The id of every token; tokens outside the vocabulary become ``<unk>`` (1)."""
        return [self.ids.get(token, 1) for token in tokens]

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.ids

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens)"

    def to_dict(self) -> dict:
        """A JSON-safe form: ``{"pad": "<pad>", "unk": "<unk>", "tokens": [...]}`` with tokens in id order."""
        return {"pad": self.PAD, "unk": self.UNK, "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, data: dict) -> "Vocabulary":
        """The vocabulary that ``to_dict`` described; raises ValueError if the dict is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            raise ValueError("a vocabulary dict needs a 'tokens' list")
        if data.get("pad", cls.PAD) != cls.PAD or data.get("unk", cls.UNK) != cls.UNK:
            raise ValueError(f"unexpected special tokens: pad={data.get('pad')!r}, unk={data.get('unk')!r}")
        if not all(isinstance(token, str) for token in data["tokens"]):
            raise ValueError("vocabulary tokens must be strings")
        return cls(data["tokens"])
