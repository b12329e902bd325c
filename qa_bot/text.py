"""Word-level text analysis shared by every stage: English stems without stop words, question types, and the
sentence splitter for short free text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = [
    "QUESTION_TYPES",
    "WH_WORDS",
    "content_words",
    "is_stop_word",
    "question_type",
    "rule_sentences",
    "stem",
    "tokenize",
    "words",
]

_WORD = re.compile(r"\w+", re.UNICODE)
#: The question words, and the kinds of question they start (the one classifier of question types).
WH_WORDS = ("who", "whom", "whose", "what", "which", "when", "where", "why", "how")
QUESTION_TYPES = ("who", "when", "where", "how many", "what", "which", "why", "how", "other")
_PRONOUNS = ("he", "him", "his", "she", "her", "hers", "they", "them", "their", "theirs", "we", "us", "our", "you",
             "your", "i", "me", "my", "it", "its")  # fmt: skip
_EXTRA_STOP = frozenset((*WH_WORDS, "did", "does", "do", "done", "doing", *_PRONOUNS))
# Sentence ends for short free text (a user's message, an LLM's reply); article text is split by spaCy's
# senter (:func:`qa_bot.ingest.split_sentences`).
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")


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


def words(text: str, *, lower: bool = True) -> list[str]:
    """The words of ``text``, lowercased unless asked not to (numbers with their decimal points kept whole:
    ``4.5``)."""
    return _NUMBER_WORD.findall(text.lower() if lower else text)


_NUMBER_WORD = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)


def content_words(text: str) -> list[str]:
    """:func:`words` without stop words, wh-words and pronouns."""
    return [w for w in words(text) if not is_stop_word(w)]


def question_type(question: str) -> str:
    """who / when / where / how many / what / which / why / how / other, by the first wh-word."""
    found = re.findall(r"[a-z]+", question.lower())
    for i, w in enumerate(found):
        if w in {"who", "whom", "whose"}:
            return "who"
        if w == "how":
            return "how many" if i + 1 < len(found) and found[i + 1] in {"many", "much"} else "how"
        if w in {"when", "where", "what", "which", "why"}:
            return w
    return "other"


def rule_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of short free text by punctuation and line breaks."""
    spans, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[pos : m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text.rstrip())))
    return spans
