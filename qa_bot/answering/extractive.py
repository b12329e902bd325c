"""The answer stage: read the retrieved passages, decide whether the article says, attribute the span.

1. **Read.** The trained reader (:mod:`qa_bot.answering.reader`) reads each retrieved chunk as one window (chunks are
   whole sentences, at most ``chunk_max_chars`` long, and overlap by a sentence, so a one-sentence answer always
   lies inside some window) and scores every span on its own, so spans compare across windows and articles.
   A span that runs across two sentences of its chunk is not an answer (the next best is taken).
   In a conversation the reader sees the question with its last turns (``history``). A span the article's own words
   rule out is passed over for the next: one its sentence denies (:mod:`.negation`), the same title held for another
   owner (:mod:`.offices`), a photo credit or a byline (``avoid``), an answer already given (``exclude``), one whose
   sentence speaks only of the past for a question asking when something will happen (:mod:`.tense`); and one of
   a type the question all but rules out, for a likelier one close behind ("31.8%" for "How much will Cisco pay?",
   :mod:`.answer_types`).
2. **Decide.** The margin between the best span and the reader's "no answer" score is turned into a confidence
   by the calibration fitted on the dev sets (``qa-bot calibrate-reader``, stored beside the weights):
   ``confidence = sigmoid(scale * (margin - threshold))``. Below ``abstain_threshold`` (0.5 = the fitted point) the
   bot says "The article doesn't say." Otherwise the answer kind (:mod:`qa_bot.answering.kind`: the reader's
   answer-kind head in the window the span was read in, with the question's form and the span's words, fitted on
   CoQA's conversations) says whether the answer is the span or a "yes" / "no" that the span says. A yes / no whose
   probability is below ``verdict_threshold`` (0.5: more likely wrong than right) is not given: the span itself
   answers, the article's words without a verdict (``meta["withheld"]`` names the verdict held back). Whether a
   yes / no is "yes" or "no" is the decision's own fitted model's word, averaged with a polarity reader's where one
   is given (:mod:`.polarity`, opt-in: the window again, through a copy of the reader fine-tuned on that alone).
3. **Attribute.** The cited passage is the sentence holding the span (:class:`qa_bot.answering.attribution.Attributor`);
   the span is always ``document.text[answer_start:answer_end]`` (``Answer.quote``), inside ``citations[0]``. A span
   answer that cuts a name of that sentence in two ("Physical Review" of "Physical Review D") is widened to the whole
   name first (:mod:`qa_bot.answering.names`, given a name finder: the bot's is spaCy's NER).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from qa_bot.answering.answer_types import AnswerTypes, typed_question, typed_span
from qa_bot.answering.attribution import Attributor
from qa_bot.answering.calibration import CALIBRATION_FILE, Calibration
from qa_bot.answering.kind import AnswerKind, asks_yes_or_no
from qa_bot.answering.names import NameFinder, might_cut, name_spans, whole_name
from qa_bot.answering.negation import NegationCheck
from qa_bot.answering.offices import Office, RoleFinder
from qa_bot.answering.reader import Reader, ReadResult
from qa_bot.answering.reading import History, Polarity, Reading
from qa_bot.answering.statements import StatementPiece
from qa_bot.answering.tense import asks_future_time, looks_ahead
from qa_bot.answering.windows import SpanScore
from qa_bot.types import ABSTAIN_TEXT, Answer, Chunk, Citation, Passage

__all__ = ["CALIBRATION_FILE", "Calibration", "ExtractiveAnswerer", "Reading"]


class ExtractiveAnswerer:
    """Reader + decision + attribution (see the module docstring). ``reader`` is any :class:`Reader`."""

    def __init__(
        self,
        reader: Reader,
        attributor: Attributor | None = None,
        *,
        calibration: Calibration | None = None,
        answer_kind: AnswerKind | None = None,
        abstain_threshold: float = 0.5,
        verdict_threshold: float = 0.5,
        related: int = 2,
        names: NameFinder | None = None,
        roles: RoleFinder | None = None,
        denied: NegationCheck | None = None,
        types: AnswerTypes | None = None,
        polarity: Polarity | None = None,
    ) -> None:
        for name, value in (
            ("abstain_threshold", abstain_threshold),
            ("verdict_threshold", verdict_threshold),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        self.reader = reader
        self.attributor = attributor or Attributor()
        self.calibration = calibration or Calibration.load()
        self.answer_kind = AnswerKind.load() if answer_kind is None else answer_kind
        self.abstain_threshold = abstain_threshold
        self.verdict_threshold = verdict_threshold
        self.related = related
        self.names = names
        self.roles = roles
        self.denied = denied
        self.types = types
        self.polarity = polarity

    @property
    def reads_history(self) -> bool:
        """Whether the reader learned to read a question in its conversation (a reader without that skill is
        given follow-ups as standalone rewrites)."""
        return bool(getattr(self.reader, "reads_history", True))

    def warm_up(self) -> ExtractiveAnswerer:
        for network in (self.reader, self.polarity):
            warm = getattr(network, "warm_up", None)
            if warm is not None:
                warm()
        return self

    def read(self, question: str, passages: Sequence[Passage], history: History = ()) -> Reading:
        """Read every passage (each once, best-ranked first) with the reader, the question asked after the
        ``history`` turns."""
        first: dict[str, Passage] = {}
        for p in passages:
            first.setdefault(p.chunk.chunk_id, p)
        unique = tuple(first.values())
        read = self.reader.read(question, [p.chunk.text for p in unique], history=tuple(history))
        read = self.calibration.rank(self._within_sentences(read, unique))
        margin = self.calibration.margin(read) if read.spans else None
        return Reading(unique, read, margin, question, self.answer_kind, self.verdict_threshold, tuple(history),
                       self.polarity)  # fmt: skip

    def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        exclude: Sequence[str] = (),
        history: History = (),
        statements: Sequence[StatementPiece] = (),
        unreported: str | None = None,
        identity: str | None = None,
        avoid: Sequence[tuple[str, int, int]] = (),
        office: Office | None = None,
    ) -> Answer:
        """The best span for ``question`` in ``passages`` (or the yes / no it says), or an abstention. ``exclude``:
        answers already given ("what else did he say?"), which are not given again; ``history``: the conversation
        so far, ``(question, answer)`` turns, oldest first; ``statements``: statements of the passages' articles
        joined with their speakers (:mod:`qa_bot.answering.statements`), read too. For a question asking who, a
        speaker the reader finds there with confidence is the answer; for one asking what was said, the words
        found there when the reader scores them above the passages' best span. Either is cited by the
        statement; else the passages answer. ``unreported``: the question asks what someone said whom no statement
        of the articles has as its speaker (:func:`~qa_bot.answering.statements.unreported_speaker`): it is
        declined, the nearest passages shown. ``identity``: the name the question asks who it is ("Who is
        Iravani?", :func:`~qa_bot.text.asked_identity`): a span naming that one is no answer. ``avoid``: stretches of
        the articles (``(doc_id, start, end)``) no span of which answers: a photo credit names who took the photo,
        not who is in it (:mod:`qa_bot.answering.credits`). ``office``: the office a question asks who holds ("Who is
        Cisco's CEO?"): a person whose sentence gives them another one's title is no answer (:mod:`.offices`)."""
        if not passages:
            return _abstain(question, (), reason="empty index")
        reading = self.read(question, passages, history)
        spans = reading.read.spans
        given = [g.lower().strip() for g in exclude if g.strip()]
        denial = not asks_yes_or_no(question)  # a yes / no question's "no" rests on such sentences
        future = asks_future_time(question)  # "When will …?" is not answered from a sentence about the past

        def allowed(i: int) -> bool:
            return (
                not _repeats(reading.span_text(i), given)
                and not (identity and (reading.names(i, identity) or reading.names_someone(i, identity)))
                and not reading.within(i, avoid)
                and not (office and self._held_elsewhere(reading, i, office))
                and not (denial and self._denied(question, reading, i))
                and not (future and not looks_ahead(self._sentence(reading, i)[0]))
            )

        first = pick = next((i for i in range(len(spans)) if allowed(i)), None)
        if pick is not None and denial:
            pick = self._typed(reading, pick, allowed, history)
        related = self._related(reading)
        meta: dict[str, Any] = {"windows": reading.read.windows, "tokens": reading.read.tokens,
                                "read_ms": reading.read.ms}  # fmt: skip
        if unreported is not None:
            return _abstain(question, related, reason=f"no statement of {unreported}", meta=meta)
        said = self._said(question, statements, history, given) if statements else None
        if said is not None and self._takes(said, None if pick is None else spans[pick].score):
            return self._said_answer(question, *said, meta=meta, related=related)
        if pick is None:
            return _abstain(question, related, reason="no span", meta=meta)
        margin = self.calibration.margin(reading.read, pick)
        confidence = self.calibration.confidence(margin)
        meta["margin"] = round(margin, 4)
        if pick != first and first is not None:  # its type ruled out: say what the reader had put first
            meta["passed_over"] = reading.span_text(first)
        if confidence < self.abstain_threshold:
            return _abstain(question, related, reason=f"low confidence {confidence:.2f}", confidence=confidence,
                            meta=meta)  # fmt: skip
        span = spans[pick]
        chunk = reading.passages[span.piece].chunk
        kind, kind_probability, withheld = reading.verdict(pick)
        citation = self.attributor.cite_span(chunk, span.start, span.end, score=confidence)
        start, end = (
            self._whole_name(chunk, citation, span.start, span.end)
            if kind == "span"
            else (span.start, span.end)
        )
        if kind != "span" or withheld:
            meta["kind_probability"] = round(kind_probability, 4)
        if withheld:  # a coin flip is not given as a yes / no: the words answer
            meta["withheld"] = withheld
        return Answer(
            question=question,
            text=chunk.text[start:end] if kind == "span" else kind.capitalize(),
            abstained=False,
            citations=(citation,),
            confidence=round(confidence, 4),
            doc_id=chunk.doc_id,
            answer_start=chunk.start + start,
            answer_end=chunk.start + end,
            kind=kind,
            quote=chunk.text[start:end],
            meta=meta,
        )

    def _said(
        self, question: str, pieces: Sequence[StatementPiece], history: History, given: Sequence[str]
    ) -> tuple[StatementPiece, SpanScore, float] | None:
        """The best span the reader finds inside one part of a statement piece (not an answer already given, and
        a span, not a yes / no), with its margin."""
        read = self.calibration.rank(
            self.reader.read(question, [p.text for p in pieces], history=tuple(history))
        )
        for s in read.spans:
            piece = pieces[s.piece]
            if piece.locate(s.start, s.end) is None or _repeats(piece.text[s.start : s.end], given):
                continue
            if self.answer_kind.decide(question, piece.text[s.start : s.end], read.kind_of(s))[0] != "span":
                return None
            return piece, s, self.calibration.margin(replace(read, spans=(s,)))
        return None

    def _takes(self, said: tuple[StatementPiece, SpanScore, float], best: float | None) -> bool:
        """Whether the span read in a statement piece answers rather than the passages' best (score ``best``):
        for a question asking who, or what a speaker it names said (``named``), when the reader is confident of it
        (what statements are for); for one asking what was said, when the reader scores it above the passages'
        best span."""
        piece, span, margin = said
        sure = self.calibration.confidence(margin) >= self.abstain_threshold
        if piece.confident_only:
            return sure
        if piece.whole or (sure and (piece.answers == ("speaker",) or piece.named)):
            return True
        return best is None or span.score > best

    def _said_answer(
        self,
        question: str,
        piece: StatementPiece,
        span: SpanScore,
        margin: float,
        *,
        meta: dict[str, Any],
        related: tuple[Citation, ...],
    ) -> Answer:
        """The answer read from a statement piece: the part's words at their document offsets, cited by the
        statement (and the speaker's own sentence first, for a speaker named elsewhere). For a question asking all
        that a speaker it names said (``piece.whole``), all the words of the statement the span lies in: the
        reader chose the statement, the parse at ingest its extent."""
        confidence = self.calibration.confidence(margin)
        meta = {**meta, "margin": round(margin, 4), ("role" if piece.confident_only else "statement"): True}
        if confidence < self.abstain_threshold and not piece.whole:
            return _abstain(question, related, reason=f"low confidence {confidence:.2f}", confidence=confidence,
                            meta=meta)  # fmt: skip
        located = piece.locate(span.start, span.end)
        assert located is not None  # _said keeps only spans inside one part
        segment, start, end = located
        if piece.whole:  # all that was said, or the whole role ("Who is Blinken?": "US Secretary of State")
            start, end = (segment.start, segment.end) if segment.part == "role" else piece.words_said()
        citations = piece.cite_speaker if segment.part in ("speaker", "role") else piece.cite_words
        cited = next(c for c in citations if c.start <= start and end <= c.end)
        quote = cited.text[start - cited.start : end - cited.start]
        citations = tuple(replace(c, score=round(confidence, 4)) for c in citations)
        return Answer(question=question, text=quote, abstained=False, citations=citations,
                      confidence=round(confidence, 4), doc_id=piece.doc_id, answer_start=start, answer_end=end,
                      kind="span", quote=quote, meta=meta)  # fmt: skip

    def _within_sentences(self, read: ReadResult, passages: Sequence[Passage]) -> ReadResult:
        """Only the spans that lie inside one sentence of their chunk (the attributor's sentences: an answer is
        cited by the sentence holding it, so it never runs across two)."""
        kept = []
        for s in read.spans:
            sentences = self.attributor.sentences(passages[s.piece].chunk)
            if any(a <= s.start and s.end <= b for a, b in sentences):
                kept.append(s)
        return read if len(kept) == len(read.spans) else replace(read, spans=tuple(kept))

    def _whole_name(self, chunk: Chunk, sentence: Citation, start: int, end: int) -> tuple[int, int]:
        """``chunk.text[start:end]`` widened to the end of a name it cuts (:mod:`qa_bot.answering.names`: the
        names of ``sentence``, the cited sentence holding it: those the chunk kept from ingest, else found by
        ``names``; unchanged without either). The name lies in that sentence, so the widened span is cited by it
        too."""
        at = sentence.start - chunk.start
        if not might_cut(sentence.text, end - at):
            return start, end
        if chunk.entities is not None:  # found at ingest: no parse at question time
            inside = [
                (a - at, b - at)
                for a, b in name_spans(chunk.entities)
                if at <= a and b <= at + len(sentence.text)
            ]
        elif self.names is not None:
            inside = list(self.names(sentence.text))
        else:
            return start, end
        s, e = whole_name(sentence.text, start - at, end - at, inside)
        return s + at, e + at

    def _held_elsewhere(self, reading: Reading, i: int, office: Office) -> bool:
        """Whether span ``i`` names someone its sentence gives ``office``'s title for another (:mod:`.offices`)."""
        if self.roles is None:
            return False
        return office.passes_over(self._sentence(reading, i)[0], reading.span_text(i), self.roles)

    def _typed(
        self, reading: Reading, pick: int, allowed: Callable[[int], bool], history: History = ()
    ) -> int:
        """``pick``, or the first allowed span after it of a type the question expects when ``pick``'s is one it
        all but rules out and that span ranks at most the model's window behind (:mod:`.answer_types`)."""
        if self.types is None:
            return pick
        expected = self.types.probabilities(typed_question(reading.question, history))
        words = reading.span_text(pick).lower()
        # its words wherever the reader found them: spaCy may type "Cisco" a place in one sentence only
        if not all(
            self.types.unlikely(expected, self._span_type(reading, k))
            for k in range(len(reading.read.spans))
            if k == pick or reading.span_text(k).lower() == words
        ):
            return pick
        spans, score = reading.read.spans, self.calibration.rank_score
        lowest = score(spans[pick]) - self.types.window
        passed = [reading.located(pick)]
        for j in range(pick + 1, len(spans)):
            if score(spans[j]) < lowest:
                break
            if reading.within(j, passed) or not allowed(j):  # the same words again, worded wider or narrower
                continue
            if self.types.expects(expected, self._span_type(reading, j)):
                return j
            passed.append(reading.located(j))
        return pick

    def _span_type(self, reading: Reading, i: int) -> str | None:
        """The entity type of span ``i`` by its chunk's entities found at ingest (:func:`.answer_types.typed_span`)."""
        s = reading.read.spans[i]
        return typed_span(
            reading.passages[s.piece].chunk.entities, s.start, s.end, self._sentence(reading, i)[0]
        )

    def _denied(self, question: str, reading: Reading, i: int) -> bool:
        """Whether span ``i``'s sentence denies it for ``question`` (:mod:`.negation`)."""
        return self.denied is not None and self.denied(question, *self._sentence(reading, i))

    def _sentence(self, reading: Reading, i: int) -> tuple[str, int, int]:
        """The sentence span ``i`` is cited by, and the span's offsets in it."""
        s = reading.read.spans[i]
        chunk = reading.passages[s.piece].chunk
        sentence = self.attributor.cite_span(chunk, s.start, s.end)
        at = chunk.start + s.start - sentence.start
        return sentence.text, at, at + s.end - s.start

    def _related(self, reading: Reading) -> tuple[Citation, ...]:
        """The sentences of the best few spans (shown beside an abstention as the nearest passages)."""
        out: list[Citation] = []
        for s in reading.read.spans:
            c = self.attributor.cite_span(reading.passages[s.piece].chunk, s.start, s.end)
            if all((c.doc_id, c.start) != (o.doc_id, o.start) for o in out):
                out.append(c)
            if len(out) >= self.related:
                break
        return tuple(out)


def _repeats(text: str, given: Sequence[str]) -> bool:
    t = text.lower().strip()
    return any(g in t or t in g for g in given)


def _abstain(
    question: str,
    related: tuple[Citation, ...],
    *,
    reason: str,
    confidence: float = 0.0,
    meta: dict[str, Any] | None = None,
) -> Answer:
    return Answer(
        question=question,
        text=ABSTAIN_TEXT,
        abstained=True,
        kind="abstain",
        related=related,
        confidence=round(confidence, 4),
        meta={**(meta or {}), "reason": reason},
    )
