"""A span the sentence denies is no answer: "What did the study find?" is not answered with what it did not find.

The reader matches a question's words, and "The study did not find a link between late phone use and exam results"
holds every word of "What did the study find?": it answered "a link between late phone use and exam results" — the
opposite of what the article says. A candidate span is passed over when the verb that governs it in its sentence
(spaCy's parse) is the question's own verb, negated there ("did not find", "never had", "isn't"), and the question
itself is not negated ("What did the study not find?" asks for exactly that span). A yes / no question is left to the
answer-kind decision (its "no" rests on such sentences). Only a sentence with a negation word is parsed.

What follows "but" is affirmed ("The Bayeux Tapestry is not a true tapestry but embroidery"). Measured: SQuAD 2
57.9 -> 58.4 (three unanswerable questions declined: "What are intended as a practical computing technology?" ->
"Turing machines" of "Turing machines are not intended as a practical computing technology"); the seed, news,
paraphrase, CoQA and conversation sets unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["NegationCheck", "denies", "may_deny"]

#: ``(question, sentence, start, end)`` -> whether ``sentence`` denies its span ``[start, end)`` for the question.
NegationCheck = Callable[[str, str, int, int], bool]

_CONTRAST = frozenset(("but", "rather", "instead"))
_NEGATION = re.compile(r"\b(?:not|never|no longer)\b|n['’]t\b", re.IGNORECASE)


def may_deny(sentence: str) -> bool:
    """Whether ``sentence`` has a word of negation at all (only then is it parsed)."""
    return _NEGATION.search(sentence) is not None


def denies(question: Any, sentence: Any, start: int, end: int) -> bool:
    """Whether the parsed ``sentence`` denies its span ``[start, end)`` (character offsets) for the parsed
    ``question``: the verb governing the span is one of the question's verbs (by lemma) and has a negation, and the
    question has none."""
    verbs = {t.lemma_ for t in question if t.pos_ in ("VERB", "AUX") and t.dep_ != "aux"}
    if not verbs or any(t.dep_ == "neg" for t in question):
        return False
    span = sentence.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    head = span.root
    while head.head != head and head.pos_ not in ("VERB", "AUX"):
        if head.dep_ == "conj" and any(c.dep_ == "cc" and c.lower_ in _CONTRAST for c in head.head.children):
            return False  # "is not a true tapestry but embroidery": what follows "but" is affirmed
        head = head.head
    return head.lemma_ in verbs and any(c.dep_ == "neg" for c in head.children)
