"""Frozen result types shared by every stage. Plain data: no behaviour beyond ``to_dict()`` (and no import of
any other qa_bot module but the errors)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "ABSTAIN_TEXT",
    "ANSWER_KINDS",
    "Answer",
    "ArticleFilter",
    "Chunk",
    "Citation",
    "DateMention",
    "Document",
    "DocumentSummary",
    "Final",
    "IngestReport",
    "Passage",
    "Retrieval",
    "Statement",
    "StreamEvent",
    "TextSpan",
    "Token",
]

ABSTAIN_TEXT = "The article doesn't say."
ANSWER_KINDS = ("span", "yes", "no", "abstain", "smalltalk", "sentence")  # Answer.kind


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Document(_ToDict):
    """One article in its canonical (cleaned) form. ``doc_id`` is a hash of ``text``; ``source`` is where it came
    from (file path, URL or JSONL id), ``published`` its date as ``YYYY-MM-DD`` when known, and
    ``published_source`` where that date came from: ``"feed"`` (a JSONL field), ``"argument"`` (``--date`` /
    ``date=``), ``"html"`` (the page's metadata) or ``"text"`` (a dateline in the article itself)."""

    doc_id: str
    title: str
    text: str
    source: str = ""
    published: str = ""
    published_source: str = ""


@dataclass(frozen=True)
class DocumentSummary(_ToDict):
    """One stored article as listed: ``sources`` holds every place the story came from (its own ``source``
    first, then its syndicated copies'), ``n_chunks``/``n_chars`` its size in the index."""

    doc_id: str
    title: str
    source: str = ""
    sources: tuple[str, ...] = ()
    published: str = ""
    published_source: str = ""
    n_chunks: int = 0
    n_chars: int = 0


@dataclass(frozen=True)
class ArticleFilter(_ToDict):
    """Which articles a question may be answered from (every given field must match):

    - ``title``: the article's exact title;
    - ``source``: one of its sources (file path, URL or JSONL id), or a site's host name (``apnews.com``);
    - ``since`` / ``until``: its publication date lies in this range (inclusive; ``YYYY``, ``YYYY-MM`` or
      ``YYYY-MM-DD``). Articles without a known date never match a date range.
    """

    title: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.title or self.source or self.since or self.until)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> ArticleFilter:
        """A filter from a dict (``{"source": "apnews.com", "since": "2024-05"}``); empty values are dropped."""
        from qa_bot.errors import InvalidInput

        try:
            return cls(**{k: (str(v) if v else None) for k, v in values.items()})
        except TypeError:
            raise InvalidInput(
                f"A filter has the fields title, source, since and until; got {sorted(values)}."
            ) from None


@dataclass(frozen=True)
class Chunk(_ToDict):
    """A sentence-aligned window of a document: ``text == document.text[start:end]``. ``sentences``: its sentence
    spans as found at ingest (offsets into ``text``; empty for a chunk stored before they were kept); ``entities``:
    its named entities as ``(start, end, label)`` found at ingest by spaCy's NER (offsets into ``text``; ``None``
    when not looked for: stored before they were kept, or ingested without spaCy)."""

    chunk_id: str
    doc_id: str
    title: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = ()
    entities: tuple[tuple[int, int, str], ...] | None = None


@dataclass(frozen=True)
class Passage(_ToDict):
    """A retrieved chunk: fused (RRF) score, higher is better, and its dense cosine similarity."""

    chunk: Chunk
    score: float
    similarity: float = 0.0


@dataclass(frozen=True)
class TextSpan(_ToDict):
    """A slice of a stored article's text: ``document.text[start:end] == text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Statement(_ToDict):
    """Something an article reports someone said (:mod:`qa_bot.ingest.statements`): who (``speaker``, as the article
    names them, and the ``role`` it gives them), the cue ``verb`` (said, denied, called, ...), ``content`` (the
    quotation when ``direct``, else the reported clause or object), and ``mention``, where the speaker stands in the
    statement's ``sentence`` (the name itself, or the pronoun that points to it). Every part is a :class:`TextSpan`."""

    speaker: TextSpan
    role: TextSpan | None
    verb: TextSpan
    content: TextSpan
    direct: bool
    mention: TextSpan
    sentence: TextSpan

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Statement:
        def span(x: Any) -> TextSpan:
            return TextSpan(int(x["start"]), int(x["end"]), str(x["text"]))

        return cls(span(d["speaker"]), span(d["role"]) if d.get("role") else None, span(d["verb"]),
                   span(d["content"]), bool(d["direct"]), span(d["mention"]), span(d["sentence"]))  # fmt: skip


@dataclass(frozen=True)
class Citation(_ToDict):
    """A quoted passage of a stored document: ``document(doc_id).text[start:end] == text``."""

    doc_id: str
    title: str
    start: int
    end: int
    text: str
    score: float = 0.0


@dataclass(frozen=True)
class DateMention(_ToDict):
    """A date expression in a document (``text == document.text[start:end]``) and the calendar date it names,
    resolved against the article's publication date: ``date`` (ISO; the first day of a week, month or year) and
    ``precision`` ("day", "week", "month" or "year")."""

    text: str
    start: int
    end: int
    date: str
    precision: str


@dataclass(frozen=True)
class Answer(_ToDict):
    """The reply to one question.

    ``kind`` says what the reply is: ``"span"`` — ``text`` is a span of the cited article; ``"yes"`` / ``"no"`` —
    ``text`` is "Yes" or "No" and ``quote`` the words of the article that say so; ``"abstain"`` — ``text`` is
    :data:`ABSTAIN_TEXT`, ``citations`` is empty and ``related`` holds the nearest passages; ``"smalltalk"``;
    ``"sentence"`` — an LLM backend's sentence. For a span or a yes/no answer, ``quote ==
    document(doc_id).text[answer_start:answer_end]``, lying inside ``citations[0]`` (for a span, ``quote ==
    text``): every answer is quoted from the article, a yes or no too. A yes or no too unsure to give
    (``verdict_threshold``) is a span answer whose ``meta["withheld"]`` names the verdict held back.

    With an LLM backend (``backend`` names it) ``text`` is the model's sentence; its ``citations`` passed
    verification (cited passages exist and support it, quotes are substrings of the stored text). An LLM
    answer that failed verification is either replaced by the extractive one (``meta["llm_note"]`` says why)
    or, when configured so, returned with ``verified=False`` and no citations at all.
    ``smalltalk`` marks a reply to a greeting, thanks or "what can you do?": no retrieval, no citation.
    ``rewritten_question`` is the standalone question a follow-up was understood as. ``dates``: the date
    expressions of the cited passage ("on Tuesday", "last week") resolved against the article's publication date,
    with offsets into the stored document (none when the article has no known date and says no full date).
    """

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    confidence: float = 0.0
    doc_id: str | None = None
    answer_start: int | None = None
    answer_end: int | None = None
    rewritten_question: str | None = None
    latency_ms: float = 0.0
    smalltalk: bool = False
    backend: str = "extractive"
    verified: bool = True
    dates: tuple[DateMention, ...] = ()
    kind: str = "span"
    quote: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class IngestReport(_ToDict):
    """What one ingest call did. ``added_documents == 0`` on a re-ingest of unchanged text."""

    added_documents: int = 0
    skipped_documents: int = 0
    added_chunks: int = 0
    doc_ids: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    seconds: float = 0.0
    replaced_documents: int = 0  # older versions of the same source that a changed text replaced
    duplicate_documents: int = 0  # syndicated copies of a stored article: their source was added to it
    retyped_documents: int = (
        0  # stored without their named entities (by an earlier qa-bot): found and kept now
    )

    @property
    def unchanged(self) -> bool:
        return self.added_documents == 0

    def summary(self) -> str:
        copies = (
            f"; {self.duplicate_documents} syndicated cop{'y' if self.duplicate_documents == 1 else 'ies'}"
            " of stored articles (source added to them)"
            if self.duplicate_documents
            else ""
        )
        retyped = (
            f"; named entities found for {self.retyped_documents} article(s) indexed by an earlier qa-bot"
            if self.retyped_documents
            else ""
        )
        if self.unchanged:
            return f"Nothing new: {self.skipped_documents} document(s) already indexed{copies}{retyped}."
        replaced = f", {self.replaced_documents} older version(s) replaced" if self.replaced_documents else ""
        return (
            f"Indexed {self.added_documents} document(s), {self.added_chunks} chunk(s)"
            f" ({self.skipped_documents} already indexed{replaced}{copies}{retyped}) in {self.seconds:.1f}s."
        )


@dataclass(frozen=True)
class Retrieval(_ToDict):
    """What a question retrieves: the question as asked (its misspelt words mended), the standalone question
    searched for (a follow-up's rewrite, else the question itself), the passages found, best first (a follow-up's
    last one may be the passage of the conversation's last answer), the conversation so far, and the question as
    typed when its spelling was mended ("": as :attr:`question`)."""

    question: str
    standalone: str
    passages: tuple[Passage, ...]
    rewritten: bool = False
    history: tuple[tuple[str, str], ...] = ()
    typed: str = ""

    @property
    def article_ids(self) -> tuple[str, ...]:
        """The ids of the articles of :attr:`passages` (not the scope they were searched in), best first, each
        once."""
        return tuple(dict.fromkeys(p.chunk.doc_id for p in self.passages))


@dataclass(frozen=True)
class Token(_ToDict):
    """A piece of an answer's text as it is produced (an LLM token, or the extractive answer in one piece)."""

    text: str


@dataclass(frozen=True)
class Final(_ToDict):
    """The last event of a stream: the finished :class:`Answer` with its verified citations."""

    answer: Answer


StreamEvent = Token | Final
