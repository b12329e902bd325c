"""A part of someone's name: "What is her first name?" after the article called her "Durham".

News calls a person by the whole name once and by the surname after ("Danielle Durham, with the Department of
Radiology …" — "…," said Durham"), and a reader of the later sentence asks for the rest: "What is Durham's first
name?" (the rewrite makes "her" Durham), "And his last name?", "What is Blinken's full name?". The reader answered
such a question with whatever its window held ("BRCA gene mutation carriers" for Durham's first name): a name's parts
are a convention of writing, not a span a sentence states. So a question of that form (:func:`asked_name_part`: the
person and the part — first, middle, last or full) is answered from the article's mentions of the person: the
longest person's name (spaCy's PERSON entities of the lines naming them, found by the caller) that holds the asked
name's words, and of it the part asked for — its first word (an honorific such as "Dr." passed over), its last word
(a "Jr." or "III" passed over), the words between, or all of it. The answer is that word's span of the article, cited
by the sentence holding it. Where the article never gives that part (only "Durham" anywhere, or no middle name) the
question is declined, the mention shown. CoQA has 29 such questions in 7,790 turns ("What is her first name?" —
"Sarah", "And his last name?" — "Ratzinger").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa_bot.answering.attribution import quoted_answer
from qa_bot.types import ABSTAIN_TEXT, Answer, Citation, Document

__all__ = ["NAME_PARTS", "asked_name_part", "mentions_name_part", "name_part_answer", "name_part_span"]

NAME_PARTS = ("first", "middle", "last", "full")
_PART_WORDS = {
    "first": "first", "given": "first", "fore": "first", "christian": "first", "middle": "middle", "last": "last",
    "sur": "last", "family": "last", "full": "full", "whole": "full", "complete": "full",
}  # fmt: skip
_PART = r"(?P<part>first|given|fore|christian|middle|last|sur|family|full|whole|complete)\s*name"
_WHOSE = r"(?P<who>[\w'’.-]+(?:\s+[\w'’.-]+){0,3}?)(?:'s|’s|')"
_LEAD = (
    r"^\W*(?:(?:and|so|then|ok(?:ay)?)\W+)?(?:what(?:'s|’s|\s+is|\s+was)\s+)?"  # "And", "What is", or neither
)
_MENTIONS_PART = re.compile(_PART, re.IGNORECASE)
_ASKED = (
    # "What is Durham's first name?", "And Blinken's full name?", "What was Koenig's surname?"
    re.compile(rf"{_LEAD}{_WHOSE}\s+{_PART}\W*$", re.IGNORECASE),
    # "What is the first name of Durham?", "What was the full name of the victim Koenig?"
    re.compile(
        rf"^\W*(?:and\W+)?what(?:'s|’s|\s+is|\s+was)\s+the\s+{_PART}\s+of\s+(?:[a-z]+\s+)*?"
        r"(?P<who>(?-i:[A-Z][\w'’.-]*)(?:\s+(?-i:[A-Z][\w'’.-]*)){0,3})\W*$",
        re.IGNORECASE,
    ),
)
# "What is his first name?", "And her last name?": the person is the last answer (asked_name_part)
_PRONOUN_ASKED = re.compile(rf"{_LEAD}(?:his|her)\s+{_PART}\W*$", re.IGNORECASE)
_NAME_ALONE = re.compile(r"^[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2}$")
# titles spaCy keeps in a PERSON entity ("Ayatollah Ali Khamenei", "Dr. Conrad Murray"): no part of the name
_HONORIFIC = re.compile(
    r"^(?:dr|mr|mrs|ms|miss|mx|prof|professor|sir|dame|lord|lady|rev|reverend|father|saint|st|president|"
    r"king|queen|prince|princess|pope|ayatollah|sheikh|imam|rabbi|general|gen|admiral|adm|colonel|col|captain|"
    r"capt|major|maj|lieutenant|lt|sergeant|sgt|senator|sen|rep|representative|governor|gov|mayor|judge|justice|"
    r"chancellor|minister|secretary|brigadier|commander|chief|officer|detective|coach)\.?$",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset({"his", "her", "their", "its", "my", "your", "our", "the", "a", "an", "yes", "no"})
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|phd|md)\.?$", re.IGNORECASE)


def mentions_name_part(question: str) -> bool:
    """Whether ``question`` says "first name", "surname", "full name", …: every question :func:`asked_name_part`
    reads does (in any case), so a caller can skip the work of preparing the others for it."""
    return _MENTIONS_PART.search(question) is not None


def asked_name_part(question: str, last_answer: str = "") -> tuple[str, str] | None:
    """``(name, part)`` for a question asking part of a named person's name ("What is Durham's first name?" ->
    ``("Durham", "first")``); ``None`` for any other question, or one whose person is not named (an unresolved
    "her": the reader answers it then). "What is his first name?" that the rewrite left unresolved asks about the
    last answer, when that answer is a name alone (one to three capitalised words: "Iravani")."""
    question = question.strip()
    for pattern in _ASKED:
        m = pattern.match(question)
        if m is not None and m.group("who").split()[0].lower() not in _NOT_NAMES:
            return m.group("who"), _PART_WORDS[m.group("part").lower()]
    m = _PRONOUN_ASKED.match(question)
    name = last_answer.strip().rstrip(".")
    if m is not None and _NAME_ALONE.match(name) and name.split()[0].lower() not in _NOT_NAMES:
        return name, _PART_WORDS[m.group("part").lower()]
    return None


def name_part_span(text: str, start: int, end: int, part: str) -> tuple[int, int] | None:
    """The offsets of ``part`` of the name ``text[start:end]`` (see the module docstring), or ``None`` when the
    name has no such part (one word has no first or middle name apart from its last)."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"[^\s]+", text[start:end])]
    while len(words) > 1 and _HONORIFIC.match(text[words[0][0] : words[0][1]]):
        words = words[1:]
    while len(words) > 1 and _SUFFIX.match(text[words[-1][0] : words[-1][1]].rstrip(",")):
        words = words[:-1]
    if not words or (part in ("first", "middle", "full") and len(words) < 2):
        return None
    if part == "first":
        return words[0]
    if part == "last":
        return words[-1]
    if part == "middle":
        return (words[1][0], words[-2][1]) if len(words) > 2 else None
    return words[0][0], words[-1][1]


def _surname(name: str) -> str:
    return name.split()[-1].lower().rstrip(".,") if name.split() else ""


def name_part_answer(
    question: str,
    name: str,
    part: str,
    mentions: Sequence[tuple[Document, int, int, Citation]],
) -> Answer:
    """The answer to a name-part question about ``name`` from its ``mentions`` (``(document, start, end, the
    sentence holding it)``: the person's names as the articles write them, best article first): the part of the
    longest mention holding ``name``'s last word (its surname: "Brigadier General Esmail Qaani" is "Esmail Qaani"
    there), cited by its sentence; declined, the longest mention shown, when no mention has that part (or none was
    found)."""
    surname = _surname(name)
    holding = [m for m in mentions if surname in {_surname(w) for w in m[0].text[m[1] : m[2]].split()}]
    best = max(holding, key=lambda m: len(m[0].text[m[1] : m[2]].split()), default=None)
    if best is not None:
        doc, start, end, sentence = best
        span = name_part_span(doc.text, start, end, part)
        if span is not None:
            return quoted_answer(question, doc, span, (sentence.start, sentence.end), {"name_part": part})
    return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, kind="abstain",
                  related=() if best is None else (best[3],),
                  meta={"reason": f"no {part} name of {name}", "name_part": part})  # fmt: skip
