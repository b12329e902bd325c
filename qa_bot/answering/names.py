"""Whole names: an answer span never stops inside a name.

The reader scores spans token by token, and its length penalty (:class:`~qa_bot.answering.extractive.Calibration`)
favours the shorter of two spans it scores about the same; for a name of several words that can leave the name's
last words out: "Physical Review" (12.0) for the journal "Physical Review D" (11.5), "Johns Hopkins" for the
university. A span that ends inside a name, where the name goes on with a capitalised word, a digit or a single
letter ("… Review| D.", "… Hopkins| University"), is widened to the name's end. The names are spaCy's named
entities of the sentence holding the span (:data:`NAME_LABELS`: not dates, times or amounts, whose words a
question may well ask for in part — "1191" of "April 1191"; found at ingest and kept with its chunk, or for a
chunk stored before that, parsed at question time); a determiner the entity begins with ("the Quds
Force") is not taken in, and a sentence's full stop the tokenizer joined to a one-letter last word ("D.") is left
out.

Measured on the dev sets' answers (seed, news, SQuAD 2, paraphrase, news_blind, CoQA dev: about 730 answers) the
rule changed four: three became the gold answer ("Physical Review D", "Johns Hopkins University", "Quds Force"), one
stayed wrong; on 607 turns of CoQA's exam and children's stories (measured only) one more became right ("Petsmart
Training School"). Widening a span's start to a name's beginning as well lost there twice and won nowhere ("1966"
→ "Football World Cup 1966", "Peter" → "Grandpa Peter": a question asks for a part of a name by its start more
often than by its end), so a span's start is kept. The check is a pattern first (:func:`might_cut`), so spaCy
parses a sentence only for an answer followed by a capitalised word or a digit — and never in a headline, whose
title case spaCy reads as names ("Which company agreed to buy Acacia?" → "Cisco" of "… After Cisco Agrees to Buy It
for $4.5 Billion" was widened to "Cisco Agrees", and the next turn, reading that, answered "$70 a share").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

__all__ = ["NAME_LABELS", "NameFinder", "might_cut", "name_spans", "title_case", "whole_name"]

# spaCy's (OntoNotes) labels of names; dates, times and amounts are left out
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
# the names of a sentence: ``(start, end)`` character offsets into it
NameFinder = Callable[[str], Sequence[tuple[int, int]]]

_GOES_ON = re.compile(r"\s+[A-Z0-9]")  # after the span's end: the name's next word
_DETERMINER = re.compile(r"(?i)(?:the|a|an)\s+")
_ONE_LETTER_STOP = re.compile(r"\s[A-Z]\.$")  # "… Review D." at a sentence's end
_MAX_WIDENING = 60  # characters a span may grow by (a mistagged run of words is no name)


def might_cut(sentence: str, end: int) -> bool:
    """Whether a span of ``sentence`` ending at ``end`` may end inside a name (a capitalised word or a digit comes
    right after it): only then are the sentence's names looked for. Never in a line written in title case (a
    headline: "Acacia Stock Rises 30% After Cisco Agrees to Buy It", where every word is capitalised and spaCy
    takes "Cisco Agrees" for a company)."""
    return bool(_GOES_ON.match(sentence, end)) and not title_case(sentence)


def title_case(line: str) -> bool:
    """Whether ``line`` is written in title case: of its four or more words, at least 60 % capitalised."""
    words = re.findall(r"[^\W\d_][\w'’-]*", line)
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def name_spans(entities: Sequence[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """The names (:data:`NAME_LABELS`) of a sentence's ``(start, end, label)`` entities, as character offsets."""
    return [(a, b) for a, b, label in entities if label in NAME_LABELS]


def whole_name(sentence: str, start: int, end: int, names: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """``(start, end)`` of ``sentence[start:end]`` with its end moved to the end of a name it cuts there (see the
    module docstring); unchanged when it cuts none. ``names``: the sentence's names as ``(start, end)`` offsets."""
    new_end = end
    for a, b in names:
        lead = _DETERMINER.match(sentence, a)
        if (lead.end() if lead else a) < end < b and _GOES_ON.match(sentence, end):
            closes = sentence[b:].strip() in ("", '"', "”")  # the name ends the sentence
            new_end = max(new_end, b - 1 if closes and _ONE_LETTER_STOP.search(sentence[a:b]) else b)
    return (start, end) if new_end - end > _MAX_WIDENING else (start, new_end)
