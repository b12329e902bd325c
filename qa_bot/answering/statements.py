"""Statements as reader input: an attribution question is also read against the statements the article reports.

The speaker of a statement is often named away from its words — "…," he said. after a quote, or a name one or two
sentences before — and the reader sees one window at a time. Each statement found at ingest
(:mod:`qa_bot.ingest.statements`) is joined into one short piece that names its speaker next to its words::

    Amir Saeid Iravani, Iran's permanent representative to the United Nations, denied the allegations.
    Wayne Shelor said: “It destroyed the car”

Every part of a piece (speaker, role, verb, what was said) is a span of the stored article, so a span the reader finds
inside one part maps back to exact document offsets; the words joining the parts are never part of an answer. The
pieces are read only for questions that use a verb of saying ("Who denied …?", "What did <speaker> call …?",
"According to whom …?"), and only the statements of the retrieved passages that share words with the question.
An answer read from a piece is cited by the statement's sentence (and, when the speaker is named in another sentence,
by that sentence first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa_bot.text import content_words, mentions_cue_verb, question_type, rule_sentences, stem
from qa_bot.types import Citation, Document, Passage, Statement, TextSpan

__all__ = ["Segment", "StatementPiece", "asks_about_statements", "statement_pieces"]

#: Verbs of saying that tell nothing about which statement is meant (nearly every one is "said").
_SAY = frozenset(("say", "says", "said", "saying", "tell", "tells", "told", "telling"))
_ACCORDING = re.compile(r"\baccording to\b", re.IGNORECASE)


@dataclass(frozen=True)
class Segment:
    """A part of a piece: ``piece_text[at:at + (end - start)] == document.text[start:end]``."""

    part: str  # "speaker", "role", "verb" or "content"
    at: int
    start: int
    end: int


@dataclass(frozen=True)
class StatementPiece:
    """One statement joined into reader input (``text``), its parts mapped to the document (``segments``), and
    the passages that cite an answer read from it: ``cite_speaker`` for a span of the speaker (the speaker's
    sentence first when it is not the statement's own), ``cite_words`` for one of the verb or words."""

    doc_id: str
    text: str
    segments: tuple[Segment, ...]
    cite_speaker: tuple[Citation, ...]
    cite_words: tuple[Citation, ...]
    answers: tuple[str, ...] = ("speaker",)
    score: float = 0.0

    def locate(self, start: int, end: int) -> tuple[Segment, int, int] | None:
        """The part a span ``text[start:end]`` of the piece lies in, and the span's document offsets (``None``
        when it runs outside one part, or the part is not one the question asks for: ``answers``)."""
        for seg in self.segments:
            if seg.part in self.answers and seg.at <= start and end <= seg.at + (seg.end - seg.start):
                return seg, seg.start + start - seg.at, seg.start + end - seg.at
        return None


def asks_about_statements(question: str) -> bool:
    """Whether ``question`` asks about something said: it uses a verb of saying or "according to"."""
    return mentions_cue_verb(question) or _ACCORDING.search(question) is not None


def statement_pieces(
    question: str,
    passages: Sequence[Passage],
    articles: Iterable[tuple[Document, Sequence[Statement]]],
    limit: int = 3,
) -> list[StatementPiece]:
    """The ``limit`` statements of ``articles`` best matching ``question``, as pieces. A statement is a match when
    its sentence overlaps a retrieved passage and it holds more than half of the question's words (stems; stop
    words and "say" / "tell" aside), one at least in its verb or what was said; best first by that share. A
    question asking who ("Who denied …?", "According to whom …?") is answered from a piece's speaker (not its
    role, which may name another: "Al-Zaidi's brother"), any other from its verb or words."""
    asked = {stem(w) for w in content_words(question) if w.lower() not in _SAY}
    if not asked:
        return []
    kind = question_type(question)
    answers = ("speaker",) if kind in ("who", "which") else ("verb", "content")
    found: list[StatementPiece] = []
    for doc, statements in articles:
        spans = [(p.chunk.start, p.chunk.end) for p in passages if p.chunk.doc_id == doc.doc_id]
        for st in statements:
            if not any(a < st.sentence.end and st.sentence.start < b for a, b in spans):
                continue
            said = asked & _stems(st.verb, st.content)
            share = len(said | (asked & _stems(st.speaker, *([st.role] if st.role else [])))) / len(asked)
            if said and share > 0.5:
                found.append(_piece(doc, st, answers, share))
    found.sort(key=lambda p: -p.score)
    return found[:limit]


def _stems(*spans: TextSpan) -> set[str]:
    return {stem(w) for s in spans for w in content_words(s.text)}


def _piece(doc: Document, st: Statement, answers: tuple[str, ...], score: float) -> StatementPiece:
    parts: list[tuple[str, TextSpan | str]] = []
    if st.role is not None and st.role.end <= st.speaker.start:
        parts += [("role", st.role), ("", " "), ("speaker", st.speaker)]
    elif st.role is not None:
        parts += [("speaker", st.speaker), ("", ", "), ("role", st.role), ("", ",")]
    else:
        parts += [("speaker", st.speaker)]
    parts += [("", " "), ("verb", st.verb)]
    quoted = st.content.text[:1] in "“\"‘'"
    if st.direct and not quoted:
        parts += [("", ": “"), ("content", st.content), ("", "”")]
    else:
        parts += [("", " "), ("content", st.content), ("", "" if st.content.text.endswith(".") else ".")]
    text, segments = "", []
    for part, value in parts:
        if isinstance(value, TextSpan):
            segments.append(Segment(part, len(text), value.start, value.end))
            text += value.text
        else:
            text += value
    words = _cover(doc, st.sentence, st.content, st.mention, st.verb)
    speaker = _cover(doc, st.speaker, *([st.role] if st.role else []))
    inside = words.start <= speaker.start and speaker.end <= words.end
    cite_speaker = (words,) if inside else (_sentence_around(doc, speaker), words)
    return StatementPiece(doc.doc_id, text, tuple(segments), cite_speaker, (words,), answers, round(score, 3))


def _cover(doc: Document, *spans: TextSpan) -> Citation:
    start, end = min(s.start for s in spans), max(s.end for s in spans)
    return Citation(doc.doc_id, doc.title, start, end, doc.text[start:end])


def _sentence_around(doc: Document, span: Citation) -> Citation:
    """The sentence(s) of ``doc`` holding ``span`` (its line, split by the rule splitter)."""
    line_start = doc.text.rfind("\n", 0, span.start) + 1
    line_end = doc.text.find("\n", span.end)
    line_end = len(doc.text) if line_end < 0 else line_end
    pieces = rule_sentences(doc.text[line_start:line_end]) or [(0, line_end - line_start)]
    start = max((line_start + a for a, _ in pieces if line_start + a <= span.start), default=span.start)
    end = min((line_start + b for _, b in pieces if line_start + b >= span.end), default=span.end)
    return Citation(doc.doc_id, doc.title, start, end, doc.text[start:end])
