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

A question that asks what a speaker it names said ("What did Blinken say at the UN?", "What did the Cisco CEO say
about the deal?", and "What did he say?" once the follow-up is rewritten with the name) is read against that
speaker's statements (the one the question names best: "the Cisco CEO" is Cisco's chief executive, not Cisco), and
when it asks for all that was said, not part of it, the answer is all the words of the statement the reader's best
span lies in: the reader chooses the statement, the parse at ingest gives its extent. The reader alone answered the
first of these with another speaker's "baseless". Asked what someone said whom the articles never quote, it
declines (:func:`unreported_speaker`) where the reader gave another speaker's words (``tests/data/said_blind*.json``,
F1 before -> after: 42.9 -> 74.6, 30.6 -> 76.2, 58.7 -> 77.3, 63.3 -> 80.0).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from qa_bot.text import content_words, mentions_cue_verb, question_type, rule_sentences, stem
from qa_bot.types import Citation, Document, Passage, Statement, TextSpan

__all__ = [
    "Segment",
    "StatementPiece",
    "asks_about_statements",
    "asks_whole_statement",
    "identity_pieces",
    "mention_pieces",
    "statement_pieces",
    "unreported_speaker",
]

#: Verbs of saying that tell nothing about which statement is meant (nearly every one is "said").
_SAY = frozenset(("say", "says", "said", "saying", "tell", "tells", "told", "telling"))
#: Words of a question that tell nothing about which statement it asks for: the verbs above, and prepositions the
#: short stop list of :func:`qa_bot.text.content_words` keeps ("What did he say about …?"); one-letter pieces
#: ("Iran's" -> "iran", "s") are left out too.
_IGNORED = _SAY | frozenset(("about", "from", "after", "before", "during", "over", "against", "regarding",
                             "concerning", "than"))  # fmt: skip
_ACCORDING = re.compile(r"\baccording to\b", re.IGNORECASE)
_AFTER_SAYING = (
    r"(?:about|at|to|in|on|of|during|after|before|regarding|concerning|when|while|last|this|"
    r"earlier|later|previously|recently|then|today|yesterday|first|again|publicly)"  # "say earlier about …"
)
_WHOLE = re.compile(
    r"^\W*(?:(?:and|so|then|also|ok|okay|well)\W+)*what\s+(?:did|does|do|has|have|had|will|would)\s+\S.*?\s+"
    r"(?:say|tell(?:\s+(?:him|her|them|us|me|reporters|journalists|the\s+\w+|"
    r"(?:the\s+)?(?-i:[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)))?)"  # "tell the Security Council"
    rf"(?:\s+{_AFTER_SAYING}\b[^?]*)?\W*$",
    re.IGNORECASE,
)
_SAY_WORDS = "|".join(sorted(_SAY))
_SAYING = re.compile(rf"\b(?:{_SAY_WORDS})\b", re.IGNORECASE)


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
    named: bool = False  # the question names this statement's speaker (see :func:`statement_pieces`)
    whole: bool = False  # ... and asks for all that was said: :func:`asks_whole_statement`
    #: what was said is a quotation (its "That …" is the speaker's word, not a conjunction)
    quoted: bool = False
    #: read from a mention parsed at question time (:func:`mention_pieces`), not a statement: an answer read
    #: from it is taken only when the reader is confident of it
    confident_only: bool = False

    def words_said(self) -> tuple[int, int]:
        """The document offsets of what was said: the content part, a leading "that" and its quote marks aside; or,
        where the content is what a verb other than "say" / "tell" acts on ("denied | the allegations", "expressed |
        a veiled threat") and follows it in the article, the verb with it — the object alone would read as a claim
        of its own ("said | it is about 58% contained" is the clause alone)."""
        seg = next(s for s in self.segments if s.part == "content")
        verb = next((s for s in self.segments if s.part == "verb"), None)
        start, end = _trim_said(self.text, seg.at, seg.at + seg.end - seg.start, conjunction=not self.quoted)
        acted_on = start == seg.at and not self.quoted  # no "that" or quote mark opens the words
        start, end = seg.start + start - seg.at, seg.start + end - seg.at
        reports = verb is None or self.text[verb.at : verb.at + verb.end - verb.start].lower() in _SAY
        if acted_on and not reports and 0 <= seg.start - verb.end <= 1:
            start = verb.start
        return start, end

    def locate(self, start: int, end: int) -> tuple[Segment, int, int] | None:
        """The part a span ``text[start:end]`` of the piece lies in, and the span's document offsets (``None``
        when it runs outside one part, or the part is not one the question asks for: ``answers``)."""
        for seg in self.segments:
            if seg.part in self.answers and seg.at <= start and end <= seg.at + (seg.end - seg.start):
                return seg, seg.start + start - seg.at, seg.start + end - seg.at
        return None


def _trim_said(text: str, start: int, end: int, *, conjunction: bool = True) -> tuple[int, int]:
    """``text[start:end]`` without the quote marks or punctuation around it, and a leading "that" when it is the
    ``conjunction`` of reported speech ("said that …"; a quotation's "That puts them at risk" keeps it)."""
    m = re.match(
        r"(?:that\s+)?[\s“”\"‘’']*" if conjunction else r"[\s“”\"‘’']*", text[start:end], re.IGNORECASE
    )
    start += m.end() if m else 0
    while end > start and text[end - 1] in " “”\"‘’',.;:":
        end -= 1
    return start, end


def asks_whole_statement(question: str) -> bool:
    """Whether ``question`` asks for all that someone said, with a verb that tells nothing of the words: "What did
    Blinken say?", "What did he say about the attack?", "What did the minister tell reporters on Monday?" — not
    for part of it ("What did Blinken say was lacking?", "What kind of evidence did he say …?")."""
    return _WHOLE.match(question.strip()) is not None


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
    role, which may name another: "Al-Zaidi's brother"), any other from its verb or words.

    A question that asks what someone said with a verb that tells nothing of the words ("What did Blinken say at
    the UN?", "What did the IDF spokesman tell reporters?") names its statement by the speaker instead: a statement
    whose speaker the question's subject names (:func:`_names`; the one named best, in the sentence holding most of
    the question), and whose speaker and sentence hold more than half of the question's words, is a match too
    (``named``: the reader's span in it answers when the reader is confident of it, as a speaker does for a
    question asking who, rather than only when it scores above the passages' best — where another speaker's words,
    "baseless", may score higher)."""
    asked = {stem(w) for w in content_words(question) if w.lower() not in _IGNORED and len(w) > 1}
    if not asked:
        return []
    kind = question_type(question)
    asks_who = kind in ("who", "which")
    answers = ("speaker",) if asks_who else ("verb", "content")
    by_speaker = not asks_who and _SAYING.search(question) is not None
    whole = by_speaker and asks_whole_statement(question)
    subject = _SUBJECT.search(question) if by_speaker else None  # "What did <Khamenei> say about the US?"
    names = _name_phrases(subject.group(1) if subject else question) if by_speaker else []
    who = {stem(w) for w in content_words(subject.group(1))} & asked if subject else asked
    found: list[StatementPiece] = []
    named: dict[StatementPiece, tuple[int, float]] = {}  # the question's words its speaker and sentence hold
    for doc, statements in articles:
        spans = [(p.chunk.start, p.chunk.end) for p in passages if p.chunk.doc_id == doc.doc_id]
        aliases = _aliases(statements) if by_speaker else []
        for st in statements:
            if not _retrieved(st, spans):
                continue
            said = asked & _stems(st.verb, st.content)
            speaker = asked & _stems(st.speaker, *_role(st))
            share = len(said | speaker) / len(asked)
            if by_speaker:
                own, keys = _speaker_keys(st, aliases)
                head = who & keys
                in_sentence = len(asked & (head | _stems(st.sentence))) / len(asked)
                if _names(names, keys, own, head) and in_sentence > 0.5:
                    piece = replace(_piece(doc, st, ("content",), share), named=True, whole=whole)
                    named[piece] = (len(head), in_sentence)
                    continue
            if said and share > 0.5:
                found.append(_piece(doc, st, answers, share))
    # the speaker the question names best ("the Cisco CEO": Cisco's CEO, not Cisco), in the statement whose
    # sentence holds most of the question ("What did he tell reporters?"), is the one it means
    found += [p for p, n in named.items() if n == max(named.values())]
    found.sort(key=lambda p: -p.score)
    return found[:limit]


def identity_pieces(
    name: str,
    passages: Sequence[Passage],
    articles: Iterable[tuple[Document, Sequence[Statement]]],
    limit: int = 3,
    *,
    whole: bool = True,
) -> list[StatementPiece]:
    """For a question asking who someone it names is ("Who is Blinken?", :func:`~qa_bot.text.asked_identity`),
    the statements of ``articles`` (in a retrieved passage) whose speaker that name is part of ("Antony Blinken") and
    to whom the article gives a role ("US Secretary of State"; a name given with that role, "Secretary Antony
    Blinken", is theirs too), one per role, as pieces answered by the whole role
    (``whole``): the reader chooses the role, the parse at ingest its extent and whose it is. The reader alone
    answered with the given names written before the name ("Secretary of State Antony"). Not ``whole`` (a question
    asking where they work, :func:`~qa_bot.text.asked_employer`): the span of the role the reader is confident of
    answers ("RAND Corp." of "an expert on Iranian politics at the RAND Corp.")."""
    asked = {stem(w) for w in content_words(name) if len(w) > 1}
    found: dict[str, StatementPiece] = {}
    for doc, statements in articles if asked else ():
        spans = [(p.chunk.start, p.chunk.end) for p in passages if p.chunk.doc_id == doc.doc_id]
        for st in statements:
            described = st.role is not None and any(c.isalpha() for c in st.role.text)  # not an age: "…, 38,"
            # the name as an earlier answer gave it may hold the title ("Mayor Ingrid Solberg"): part of it is the
            # speaker's name, the rest their name or role
            speaker, titled = _stems(st.speaker), _stems(st.role) if st.role is not None else set()
            if described and _retrieved(st, spans) and asked & speaker and asked <= speaker | titled:
                role = st.role.text.lower()  # type: ignore[union-attr]
                piece = _piece(doc, st, ("role",), 1.0)
                found.setdefault(
                    role, replace(piece, whole=True) if whole else replace(piece, confident_only=True)
                )
    return list(found.values())[:limit]


def mention_pieces(
    doc: Document,
    mentions: Iterable[tuple[TextSpan, TextSpan, TextSpan]],
    limit: int = 3,
    *,
    whole: bool = True,
) -> list[StatementPiece]:
    """For a question asking who someone is whom no statement gives a role ("Who is Macron?"), each sentence of
    ``doc`` that gives them one (``(person, role, sentence)``, found at question time:
    :func:`qa_bot.ingest.statements.person_roles`), as a piece answered by the whole role ("French President")
    when the reader is confident of a span of it (the parse of a sentence read once may be wrong); not ``whole``,
    by that span (see :func:`identity_pieces`)."""
    found: dict[str, StatementPiece] = {}
    for person, role, sentence in mentions:
        parts = sorted((("role", role), ("speaker", person)), key=lambda x: x[1].start)
        segments = tuple(
            Segment(part, span.start - sentence.start, span.start, span.end) for part, span in parts
        )
        cited = (Citation(doc.doc_id, doc.title, sentence.start, sentence.end, sentence.text),)
        found.setdefault(role.text.lower(), StatementPiece(doc.doc_id, sentence.text, segments, cited, cited,
                         ("role",), 1.0, whole=whole, confident_only=True))  # fmt: skip
    return list(found.values())[:limit]


def _retrieved(st: Statement, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the statement's sentence overlaps one of the retrieved passages (``spans``: their offsets)."""
    return any(a < st.sentence.end and st.sentence.start < b for a, b in spans)


def _stems(*spans: TextSpan) -> set[str]:
    return {stem(w) for s in spans for w in content_words(s.text)}


_NAME_RUN = re.compile(r"\b[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*")


_SUBJECT = re.compile(
    rf"\b(?:did|does|do|has|have|had|will|would|could|can)\s+(.+?)\s+(?:{_SAY_WORDS})\b",
    re.IGNORECASE,
)


def _name_phrases(text: str) -> list[set[str]]:
    """The stems of each run of capitalised words in ``text`` (a question's subject, or the question after its
    first word): "Katherine Jackson" -> {katherin, jackson}."""
    runs = ({stem(w) for w in content_words(m) if len(w) > 1} for m in _NAME_RUN.findall(text))
    return [r for r in runs if r]


def _names(names: Sequence[set[str]], keys: set[str], speaker: set[str], head: set[str]) -> bool:
    """Whether a question with the name phrases ``names`` names a statement whose speaker's and role's heads have
    the stems ``keys`` (the speaker's alone: ``speaker``; those the question holds: ``head``): a phrase all in
    them ("Blinken", "the Cisco CEO"), or a speaker all in a phrase ("Giordano" for "Gary Giordano") — not one
    word shared ("Katherine Jackson" is not "Jackson lawyer Kevin Boyle"); without a name, any word of them."""
    if not names:
        return bool(head)
    return any(n <= keys or (speaker and speaker <= n) for n in names)


def unreported_speaker(question: str, articles: Iterable[Sequence[Statement]]) -> str | None:
    """For a question asking all that someone it names by name said ("What did Macron say?"), that subject when no
    statement of the articles (each article's statements) has them as its speaker: the articles report nothing they
    said, and the reader would give another speaker's words ("axis of evil", Netanyahu's). ``None`` otherwise, and
    where the articles have no statements at all (none found, or finding them switched off)."""
    subject = _SUBJECT.search(question) if asks_whole_statement(question) else None
    names = _name_phrases(subject.group(1)) if subject else []
    found = [statements for statements in articles if statements]
    if not names or not found:
        return None
    # every word of a speaker and role, not their heads alone: declining is the risk here
    for statements in found:
        aliases = _aliases(statements, _stems)
        for st in statements:
            own, keys = _speaker_keys(st, aliases, _stems)
            if _names(names, keys, own, set()):
                return None
    return subject.group(1) if subject else None


def _speaker_keys(
    st: Statement, aliases: Sequence[tuple[set[str], set[str]]], words: Callable[..., set[str]] | None = None
) -> tuple[set[str], set[str]]:
    """The head stems of a statement's speaker, and the ``words`` (head stems unless given) of the speaker and role
    together with those the article gave the same name elsewhere (:func:`_aliases`)."""
    own = _head_stems(st.speaker)
    keys = (words or _head_stems)(st.speaker, *_role(st))
    keys |= {w for name, known in aliases if own and own <= name for w in known}
    return own, keys


def _role(st: Statement) -> list[TextSpan]:
    return [st.role] if st.role else []


def _aliases(
    statements: Sequence[Statement], words: Callable[..., set[str]] | None = None
) -> list[tuple[set[str], set[str]]]:
    """Each speaker of an article as its name's head stems and the ``words`` (head stems unless given) of its name
    and role: a later "Emmert said" is the "NCAA President Mark Emmert" of an earlier statement, so "What did the
    NCAA president say …?" and "What did Mark Emmert say …?" name it as fully as that one."""
    return [(_head_stems(st.speaker), (words or _head_stems)(st.speaker, *_role(st))) for st in statements]


_HEAD_END = re.compile(r",|\b(?:of|for|from|with|at|in|on|and|who|whose|which)\b", re.IGNORECASE)


def _head_stems(*spans: TextSpan) -> set[str]:
    """The stems of a speaker's (or role's) head: its words before a comma or a word that starts a modifier
    ("lawyers for Jackson's mother, Katherine, …" is the lawyers, not Katherine)."""
    return {stem(w) for s in spans for w in content_words(_HEAD_END.split(s.text, maxsplit=1)[0])}


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
    speaker = _cover(doc, st.speaker, *_role(st))
    inside = words.start <= speaker.start and speaker.end <= words.end
    cite_speaker = (words,) if inside else (_sentence_around(doc, speaker), words)
    return StatementPiece(doc.doc_id, text, tuple(segments), cite_speaker, (words,), answers, round(score, 3),
                          quoted=st.direct)  # fmt: skip


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
