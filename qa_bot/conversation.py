"""Conversation stage: turn a follow-up into a standalone question using the conversation so far.

A small, visible rewrite: third-person pronouns are replaced by what the previous turns were about
("What did he call them?" after "Who denied the allegations?" -> "Amir Saeid Iravani"
-> "What did Amir Saeid Iravani call the allegations?"). The result is shown to the user, so a wrong
rewrite can be seen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qa_bot.errors import InvalidInput

__all__ = ["History", "rewrite_question", "validate_history"]

History = Sequence[tuple[str, str]]

_PERSON_PRONOUNS = {"he", "she", "him", "her", "his", "hers"}
_THING_PRONOUNS = {"they", "them", "it", "this", "that", "these", "those"}
_WORD = re.compile(r"[A-Za-z]+")


def validate_history(history: Any, max_chars: int = 20_000) -> list[tuple[str, str]]:
    """``[(question, answer), ...]`` or a clear :class:`InvalidInput`."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, (list, tuple)):
        raise InvalidInput("history must be a list of [question, answer] pairs.")
    out: list[tuple[str, str]] = []
    for i, turn in enumerate(history):
        if not isinstance(turn, (list, tuple)) or len(turn) != 2 or not all(isinstance(x, str) for x in turn):
            raise InvalidInput(f"history[{i}] must be a [question, answer] pair of strings.")
        out.append((turn[0], turn[1]))
    if sum(len(q) + len(a) for q, a in out) > max_chars:
        out = out[-5:]
    return out


def _person_referent(history: list[tuple[str, str]], nlp: Any) -> str | None:
    for question, answer in reversed(history):
        q_doc = nlp(question)
        if q_doc and q_doc[0].lower_ in {"who", "whom"} and answer and len(answer.split()) <= 6:
            return answer.strip()
        people = [e.text for e in nlp(answer).ents if e.label_ == "PERSON"]
        people += [e.text for e in q_doc.ents if e.label_ == "PERSON"]
        if people:
            return people[-1]
    return None


def _thing_referent(history: list[tuple[str, str]], nlp: Any) -> str | None:
    question = history[-1][0]
    doc = nlp(question)
    objects = [
        nc for nc in doc.noun_chunks if nc.root.dep_ in {"dobj", "pobj", "attr"} and nc.root.pos_ == "NOUN"
    ]
    return objects[0].text if objects else None


def rewrite_question(question: str, history: History, nlp: Any) -> str | None:
    """The standalone form of ``question``, or ``None`` when it needs no rewrite."""
    turns = list(history)
    if not turns:
        return None
    words = {w.lower() for w in _WORD.findall(question)}
    if not words & (_PERSON_PRONOUNS | _THING_PRONOUNS):
        return None
    doc = nlp(question)
    person = _person_referent(turns, nlp) if words & _PERSON_PRONOUNS else None
    thing = _thing_referent(turns, nlp) if words & _THING_PRONOUNS else None
    pieces: list[str] = []
    changed = False
    for t in doc:
        low = t.lower_
        repl = None
        if person and low in {"he", "she", "him"}:
            repl = person
        elif (person and low in {"his", "hers"}) or (person and low == "her" and t.dep_ == "poss"):
            repl = person + "’s"
        elif person and low == "her":
            repl = person
        elif thing and low in {"they", "them", "it"} and t.pos_ == "PRON":
            repl = thing
        if repl is not None:
            changed = True
            pieces.append(repl + t.whitespace_)
        else:
            pieces.append(t.text_with_ws)
    return "".join(pieces) if changed else None
