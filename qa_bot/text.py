"""Word-level text analysis shared by the lexical index and the answerer: English stems without stop words."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["is_stop_word", "stem", "tokenize"]

_WORD = re.compile(r"\w+", re.UNICODE)
_EXTRA_STOP = frozenset(
    [
        "who",
        "whom",
        "whose",
        "what",
        "which",
        "when",
        "where",
        "why",
        "how",
        "did",
        "does",
        "do",
        "done",
        "doing",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "they",
        "them",
        "their",
        "theirs",
        "we",
        "us",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "it",
        "its",
    ]
)


@lru_cache(maxsize=1)
def _analyzer() -> tuple[Any, frozenset[str]]:
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    return Stemmer.Stemmer("english"), frozenset(STOPWORDS_EN) | _EXTRA_STOP


def is_stop_word(word: str) -> bool:
    """Whether a lowercased word is ignored for matching (English stop words and wh-words, pronouns)."""
    return word in _analyzer()[1]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The English Snowball stem of one lowercased word."""
    return _analyzer()[0].stemWord(word.lower())


def tokenize(text: str) -> list[str]:
    """Lowercase English word stems without stop words (the lexical index's tokens)."""
    stemmer, stop = _analyzer()
    return stemmer.stemWords([w for w in _WORD.findall(text.lower()) if w not in stop])
