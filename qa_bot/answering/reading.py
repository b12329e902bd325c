"""What the reader made of one question (:class:`Reading`): the passages read, the spans it scored in them, the
margin, and what each span answers — itself, or the "yes" / "no" it says (:mod:`qa_bot.answering.kind`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from qa_bot.answering.kind import AnswerKind, hedges
from qa_bot.answering.reader import ReadResult
from qa_bot.text import words, words_within
from qa_bot.types import Passage

__all__ = ["History", "Polarity", "Reading"]

# a word that ties a name after it to a role before it: "a brother of Emperor Wu", "an adviser to Ali Khamenei"
_TIED = frozenset(("of", "for", "by", "with", "to"))
# a name the NER cut at a middle initial: "Anthony R" of "Anthony R. Smith"
_INITIAL = re.compile(r"\b[A-Z]\.?$")
_CLOSING = " .,”\"'’"

History = Sequence[tuple[str, str]]


class Polarity(Protocol):
    """What tells a yes from a no (:class:`qa_bot.answering.polarity.PolarityReader`; tests use small fakes)."""

    def yes_probability(
        self, question: str, text: str, start: int, end: int, history: History = ()
    ) -> float: ...


@dataclass(frozen=True)
class Reading:
    """What the reader made of one question: the windows read, its spans mapped to passages, the margin."""

    passages: tuple[Passage, ...]
    read: ReadResult
    margin: float | None
    question: str = ""
    # span or yes / no: the head alone unless a fitted decision is given
    decider: AnswerKind = field(default_factory=AnswerKind)
    verdict_threshold: float = 0.0  # a yes / no less likely than this is not given
    # the turns the question was read after, and what tells a yes from a no (None: the decision's own model)
    history: History = ()
    polarity: Polarity | None = None
    _decided: dict[int, tuple[str, float]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def span_text(self, i: int) -> str:
        s = self.read.spans[i]
        return self.passages[s.piece].chunk.text[s.start : s.end]

    def kind(self, i: int) -> str:
        """What span ``i`` answers with: ``"span"`` (itself), or ``"yes"`` / ``"no"`` (the span is the words that
        say so), by the answer-kind decision over the head of the window it was read in (see :meth:`verdict`)."""
        return self.verdict(i)[0]

    def verdict(self, i: int) -> tuple[str, float, str | None]:
        """:meth:`kind`, how likely the decision puts the kind it decided, and the yes / no it held back for being
        less likely than ``verdict_threshold``, or for resting on words that hedge what was asked ("looks like",
        "could be": :func:`~qa_bot.answering.kind.hedges`); the span answers then (``None``: nothing held back)."""
        kind, probability = self.kind_and_probability(i)
        if kind != "span" and (
            probability < self.verdict_threshold or hedges(self.question, self.span_text(i))
        ):
            return "span", probability, kind
        return kind, probability, None

    def kind_and_probability(self, i: int) -> tuple[str, float]:
        """The answer-kind decision for span ``i`` and how likely it puts that kind (before the threshold); a yes /
        no's polarity read by ``polarity`` where there is one. Decided once per span."""
        if i not in self._decided:
            s = self.read.spans[i]
            text = self.passages[s.piece].chunk.text
            yes = (
                None
                if self.polarity is None
                else partial(self.polarity.yes_probability, self.question, text, s.start, s.end, self.history)
            )
            self._decided[i] = self.decider.decide(
                self.question, self.span_text(i), self.read.kind_of(s), yes
            )
        return self._decided[i]

    def names(self, i: int, name: str) -> bool:
        """Whether span ``i`` holds ``name`` or lies inside it ("Amir Saeid Iravani", "Iravani" for "Iravani")."""
        span = self.span_text(i)
        return words_within(name, span) or words_within(span, name)

    def names_someone(self, i: int, name: str) -> bool:
        """Whether span ``i`` names, or gives the role of, a person other than ``name`` (by the chunk's PERSON
        entities found at ingest): it is or ends with their name, unless "of" / "for" / "by" / "with" / "to" ties
        that name to a role before it ("researcher Diana Miglioretti", not "a brother of Emperor Wu"); or it is
        their title right before their name ("researcher" of "researcher Diana Miglioretti") or their apposition
        right after it ("one of his lawyers" of "Bill Isaacson, one of his lawyers"). No answer to a question
        asking who ``name`` is."""
        s = self.read.spans[i]
        chunk = self.passages[s.piece].chunk
        text = chunk.text
        asked = _name_words(name)
        for a, b, label in chunk.entities or ():
            if label != "PERSON" or asked & _name_words(text[a:b]):
                continue
            if s.start <= a and b <= s.end and not text[b : s.end].strip(_CLOSING):
                before = text[s.start : a].split()
                if not before or before[-1].lower() not in _TIED:
                    return True
            if s.end < a and not text[s.end : a].strip() and not _INITIAL.search(text[a:b]):
                return True  # the role before the name; not a name cut at an initial ("Anthony R")
            if b < s.start and text[b : s.start].strip() == ",":
                return True
        return False

    def located(self, i: int) -> tuple[str, int, int]:
        """Span ``i`` as ``(doc_id, start, end)`` offsets of its article."""
        s = self.read.spans[i]
        chunk = self.passages[s.piece].chunk
        return chunk.doc_id, chunk.start + s.start, chunk.start + s.end

    def within(self, i: int, stretches: Sequence[tuple[str, int, int]]) -> bool:
        """Whether span ``i`` overlaps one of ``stretches`` (``(doc_id, start, end)`` offsets of the articles)."""
        doc_id, start, end = self.located(i)
        return any(d == doc_id and a < end and start < b for d, a, b in stretches)

    def answer_text(self, i: int, kind: str | None = None) -> str:
        """The answer span ``i`` gives as ``kind`` (its :meth:`kind` when not given): its text, or "Yes" / "No"."""
        kind = kind or self.kind(i)
        return self.span_text(i) if kind == "span" else kind.capitalize()


def _name_words(name: str) -> set[str]:
    """The words of a name that tell one person from another (lowercased; an initial is no such word)."""
    return {w for w in words(name) if len(w) > 1}
