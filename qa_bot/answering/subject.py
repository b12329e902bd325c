"""Who an article is about — "Who is this story about?", "Who is the main character?" — answered with the person it
names most.

Like "What is this article about?" (:mod:`qa_bot.answering.gist`) the question asks about the whole article, and no
span of one window answers it: the reader answered CoQA's "Who is the article about?" with "magazine". The person a
story is about is the one it keeps naming: spaCy's PERSON mentions are grouped by name ("Gates" and "Bill" are "Bill
Gates" where the article gives that name; "Shirley Temple" is "Shirley Temple Black"), and the group named most often
— the earliest of equals — answers, with the longest name the article gives them, cited by the sentence of its first
mention. An article that names no person twice has no answer here (the reader's then: a story about a whale that
quotes a skipper once is not about him). Measured on the CoQA questions of
this form (the 6 of the training stories' 7,790 turns, and one each in the CNN dev split and the measured-only set):
the gold person in 7 of 8 ("Queen Ellen" for "Princess Ellen": spaCy gives the name with the title the story uses).
A question is of this form only by its words about the article, never by the article's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa_bot.answering.attribution import quoted_answer
from qa_bot.types import Answer, Document

__all__ = ["Mention", "asks_who_about", "main_person", "subject_answer"]

_OPEN = r"^\W*(?:(?:so|and|ok|okay|well|hi|hello|now|then)\W+)*"
_THE_ARTICLE = r"(?:this|the|that|your)\s+(?:news\s+)?(?:article|story|piece|report|text|passage|item|news)"
_WHO_IS = r"who(?:'s|’s|\s+is|\s+was)\s+"
_MAINLY = r"(?:(?:all|mainly|mostly|primarily|really|chiefly)\s+)?"
_SUBJECT = re.compile(
    _OPEN + _WHO_IS + r"(?:"
    rf"{_THE_ARTICLE}\s+{_MAINLY}about"  # who is this story about?
    r"|the\s+(?:main|central|key|principal|lead)\s+(?:character|person|figure|subject|protagonist)"  # … character
    rf"(?:\s+(?:of|in)\s+{_THE_ARTICLE})?"
    r")\W*$",
    re.IGNORECASE,
)
# "Who is it about?" / "Who is this about?" ask about the article only to open a conversation
_OPENING = re.compile(_OPEN + _WHO_IS + rf"(?:this|it)\s+{_MAINLY}about\W*$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\s*['’]s?$")


@dataclass(frozen=True)
class Mention:
    """A PERSON mention: ``document.text[start:end]`` is the name, ``sentence`` the ``(start, end)`` of its
    sentence."""

    start: int
    end: int
    sentence: tuple[int, int]


def asks_who_about(question: str, follow_up: bool = False) -> bool:
    """Whether ``question`` asks who the whole article is about; ``follow_up``: after earlier turns, where "Who is
    it about?" asks about what was just said (the book, the film)."""
    return _SUBJECT.search(question) is not None or (not follow_up and _OPENING.search(question) is not None)


def main_person(text: str, mentions: Sequence[Mention], least: int = 2) -> tuple[Mention, int] | None:
    """The mention that names the person ``text`` names most (its longest name, first given), and how often
    they are named; ``None`` when no one is named ``least`` times (a story about a whale that quotes a skipper
    once is not about him). A mention counts for the longest name whose words hold all of its own."""
    names = [_words(text, m) for m in mentions]
    if not any(names):
        return None
    longest = sorted({n for n in names if n}, key=len, reverse=True)
    group = {n: next(g for g in longest if set(n) <= set(g)) for n in longest}
    counts: dict[tuple[str, ...], int] = {}
    first: dict[tuple[str, ...], int] = {}
    for i, n in enumerate(names):
        if n:
            counts[group[n]] = counts.get(group[n], 0) + 1
            first.setdefault(group[n], i)
    best = max(counts, key=lambda g: (counts[g], -first[g]))
    if counts[best] < least:
        return None
    at = next(i for i, n in enumerate(names) if n == best)
    return mentions[at], counts[best]


def subject_answer(question: str, document: Document, mention: Mention, named: int) -> Answer:
    """The answer: the person's longest name at its first mention (without a possessive spaCy may hold in it:
    "Marisha Pessl's"), cited by that sentence (``meta["subject"]``: how often the article names them)."""
    name = _POSSESSIVE.sub("", document.text[mention.start : mention.end])
    span = (mention.start, mention.start + len(name))
    return quoted_answer(question, document, span, mention.sentence, {"subject": named})


def _words(text: str, mention: Mention) -> tuple[str, ...]:
    """The words of a mention's name, a possessive cut ("Giordano's" -> giordano)."""
    return tuple(w.lower() for w in _POSSESSIVE.sub("", text[mention.start : mention.end]).split())
