"""Who wrote the article and when it was published: its byline and its dateline, not its story.

Asked "Who wrote this article?", the reader answered with a person the article quotes ("Pierre Heidmann", the
physicist who led the study); asked "When was this article published?" it declined, though the article opens with
"Apr 22, 2023" — that line is its date, kept out of the passages read as content at ingest
(:func:`qa_bot.dates.dateline`). Both are conventions of the genre, not sentences of the story:

- **When it was published** (:func:`asks_when_published`: "When was this article published / written / posted?",
  "What is the date of the story?"; never "When was the study published?", which asks about the story's content):
  the date of the dateline, cited by its line.
- **Who wrote it** (:func:`asks_who_wrote`: "Who wrote this article?", "Who reported the story?", and "Who is the
  author?" opening a conversation — after earlier turns it asked about a novel's writer in CoQA; never "Who wrote
  the screenplay?" or "the author of the book"): the byline (:func:`byline`) — "By Jane
  Doe" in the first lines, "Write to Eric J. Savitz at …" or "Reporting by …" at the end — else the agency of a
  "BAGHDAD, Iraq (CNN) --" dateline.

Where the article has neither, the question is declined ("The article doesn't say."): a name the story mentions is
not its author, nor a date it mentions its publication date. Every answer is a span of the stored text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa_bot.answering.attribution import quoted_answer
from qa_bot.answering.gist import DATELINE
from qa_bot.dates import dateline, find_dates
from qa_bot.types import ABSTAIN_TEXT, Answer, Document, Passage

__all__ = ["asks_when_published", "asks_who_wrote", "byline", "byline_spans", "provenance_answer"]

_ARTICLE = r"(?:the|this|that)\s+(?:news\s+)?(?:article|story|piece|report|post|text|item)"
_PUBLISHED = re.compile(
    r"^\W*(?:(?:and|so|ok|okay)\W+)*(?:"
    rf"(?:when|what\s+(?:day|date|year|month))\s+(?:was|is|were)\s+(?:{_ARTICLE}|this)\s+"
    r"(?:first\s+)?(?:published|written|posted|put\s+out|dated|from)"
    rf"|what(?:'s|’s|\s+is|\s+was)\s+the\s+(?:publication\s+|publishing\s+|published\s+)?date\s+of\s+{_ARTICLE}"
    rf"|when\s+did\s+{_ARTICLE}\s+(?:come\s+out|appear|run)"
    r")\W*$",
    re.IGNORECASE,
)
_WROTE = re.compile(
    r"^\W*(?:(?:and|so|ok|okay)\W+)*(?:"
    rf"who\s+(?:wrote|authored|penned|reported|filed)\s+(?:{_ARTICLE}|this)"
    rf"|who\s+(?:was|is)\s+(?:{_ARTICLE}|this)\s+(?:written|authored|reported)\s+by"
    rf"|who(?:'s|’s|\s+is|\s+was)\s+the\s+(?:author|writer|reporter|journalist)\s+of\s+{_ARTICLE}"
    r")\W*$",
    re.IGNORECASE,
)
# "Who is the author?" opening a conversation; after earlier turns it may ask about a book they talked of
_AUTHOR = re.compile(
    r"^\W*(?:(?:and|so|ok|okay)\W+)*who(?:'s|’s|\s+is|\s+was)\s+the\s+(?:author|writer|reporter|journalist)\W*$",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){1,3}"  # on one line
_BY_TOP = re.compile(rf"^\s*By\s+(?P<name>{_NAME}(?:[ \t]*(?:,|and|&)[ \t]*{_NAME})*)", re.MULTILINE)
_BY_END = re.compile(rf"^\s*(?:Write\s+to|Reporting\s+by|Written\s+by)\s+(?P<name>{_NAME})", re.MULTILINE)
_AGENCY = re.compile(
    r"[A-Z][\w .&-]{0,20}"
)  # the source of a dateline that names its agency: "CNN", "EW.com "
_TOP_LINES = 6  # a byline opens the article, or closes it: the first and the last lines are read
# a byline's line is short ("By Jane Doe, CNN"); "By Tuesday Night the storm …" is a sentence
_BYLINE_WORDS = 12


def asks_when_published(question: str) -> bool:
    """Whether ``question`` asks when the article itself was published (see the module docstring)."""
    return _PUBLISHED.search(question) is not None


def asks_who_wrote(question: str, follow_up: bool = False) -> bool:
    """Whether ``question`` asks who wrote (reported) the article itself (see the module docstring); ``follow_up``:
    it comes after earlier turns, where "Who is the author?" may mean the author of what they talked about."""
    return _WROTE.search(question) is not None or (not follow_up and _AUTHOR.search(question) is not None)


def byline(text: str) -> tuple[int, int] | None:
    """The offsets of the article's author as its byline names them: "By …" in its first lines, else "Write to …"
    / "Reporting by …" / "Written by …" opening one of its last lines, each on a short line, else the agency of
    its dateline ("(CNN) --"); ``None`` when it names none."""
    lines = text.split("\n")
    top = sum(len(line) + 1 for line in lines[:_TOP_LINES])
    end_start = max(0, len(text) - sum(len(line) + 1 for line in lines[-_TOP_LINES:]))
    for pattern, start, stop in ((_BY_TOP, 0, top), (_BY_END, end_start, len(text))):
        for found in pattern.finditer(text, start, stop):
            a, b = found.span("name")
            if len(text[slice(*_line(text, a, b))].split()) <= _BYLINE_WORDS:
                return a, a + len(text[a:b].rstrip())
    for line in re.finditer(r"[^\n]+", text[:top]):  # the gist's dateline, at a line's first word
        found = DATELINE.match(text, line.start() + len(line.group()) - len(line.group().lstrip()), top)
        if found is not None and _AGENCY.fullmatch(found.group("source")):
            a, b = found.span("source")
            return a, a + len(text[a:b].rstrip())
    return None


def byline_spans(passages: Sequence[Passage]) -> list[tuple[str, int, int]]:
    """The byline lines in ``passages`` ("By Maya Lindqvist, Health Reporter", "Write to Eric J. Savitz at …"; as
    ``(doc_id, start, end)`` document offsets): they name who wrote the article, so no span of them answers a
    question about its story (:func:`provenance_answer` answers who wrote it). The reader had answered "Who did the
    research?" with the reporter of the byline."""
    out = []
    for p in passages:
        text = p.chunk.text
        for found in (*_BY_TOP.finditer(text), *_BY_END.finditer(text)):
            a, b = _line(text, *found.span("name"))
            if len(text[a:b].split()) <= _BYLINE_WORDS:
                out.append((p.chunk.doc_id, p.chunk.start + a, p.chunk.start + b))
    return out


def _line(text: str, start: int, end: int) -> tuple[int, int]:
    """The offsets of the line of ``text`` that holds ``text[start:end]``."""
    return text.rfind("\n", 0, start) + 1, len(text) if (e := text.find("\n", end)) < 0 else e


def provenance_answer(question: str, document: Document, follow_up: bool = False) -> Answer | None:
    """The answer to a question about who wrote ``document`` or when it was published, from its byline or its
    dateline, cited by that line; declined when it has none; ``None`` for any other question (``follow_up``: see
    :func:`asks_who_wrote`)."""
    text = document.text
    span: tuple[int, int] | None = None
    if asks_who_wrote(question, follow_up):
        span, kind = byline(text), "byline"
    elif asks_when_published(question):
        kind = "dateline"
        line = dateline(text)
        if line is not None:
            _, start, end = line
            mention = next(
                (m for m in find_dates(text[start:end], None, start) if m.precision == "day"), None
            )
            span = (mention.start, mention.end) if mention else (start, end)
    else:
        return None
    if span is None:
        return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, kind="abstain",
                      meta={"reason": f"no {kind}"})  # fmt: skip
    return quoted_answer(question, document, span, _line(text, *span), {kind: True})
