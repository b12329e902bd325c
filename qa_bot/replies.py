"""The question-form paths: questions the reader cannot answer from a passage, answered before it (whichever the
backend) from a convention of the genre — the article's lead sentence ("What is this article about?",
:mod:`qa_bot.answering.gist`), a photo's credit or caption ("Who took the photo?", :mod:`qa_bot.answering.credits`),
the person it names most ("Who is this story about?", :mod:`qa_bot.answering.subject`), the byline or dateline
("Who wrote it?", :mod:`qa_bot.answering.provenance`), the parts of a person's name ("What is her first name?",
:mod:`qa_bot.answering.name_parts`), a role the article gives someone ("Is Blinken the Secretary of State?": a
yes). Each looks at the question's form first and returns ``None`` for any other question, so the read stage
(:func:`qa_bot.pipeline.read_events`) tries them in turn, then the reader. Every answer is a span of the stored
text, cited, or a decline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from qa_bot.types import Answer, Citation, Retrieval

if TYPE_CHECKING:
    from qa_bot.answering.statements import StatementPiece
    from qa_bot.bot import QABot

__all__ = [
    "cased",
    "credit_reply",
    "gist_reply",
    "mention_roles",
    "name_part_reply",
    "provenance_reply",
    "question_form_reply",
    "role_pieces",
    "role_reply",
    "subject_reply",
]


def question_form_reply(bot: QABot, found: Retrieval) -> Answer | None:
    """The first of the question-form paths that answers ``found`` (see the module docstring); ``None``: the reader's."""
    return (
        gist_reply(bot, found)
        or subject_reply(bot, found)
        or credit_reply(bot, found)
        or provenance_reply(bot, found)
        or name_part_reply(bot, found)
        or role_reply(bot, found)
    )


def gist_reply(bot: QABot, found: Retrieval, chunks: int = 4) -> Answer | None:
    """For a question about the whole article ("What is this article about?", :mod:`qa_bot.answering.gist`), its
    lead sentence, of the article of the best passage (the one article in scope, or the conversation's, which its
    search favours); ``None`` for any other question. The sentences are those of the article's first ``chunks``
    chunks, as split at ingest (no spaCy on the question path)."""
    from qa_bot.answering.gist import asks_for_gist, gist_answer, lead_sentence

    if not found.passages or not asks_for_gist(found.question, follow_up=bool(found.history)):
        return None
    doc_id = found.passages[0].chunk.doc_id
    first = sorted((c for c in bot.store.lexical_index().chunks if c.doc_id == doc_id), key=lambda c: c.start)
    sentences = sorted(
        {(c.start + a, c.start + b) for c in first[:chunks] for a, b in bot.attributor.sentences(c)}
    )
    document = bot.document(doc_id)
    span = lead_sentence(document.text, sentences)
    return None if span is None else gist_answer(found.question, document, span)


def subject_reply(bot: QABot, found: Retrieval) -> Answer | None:
    """For a question asking who the whole article is about (:mod:`qa_bot.answering.subject`), the person the
    article of the best passage names most, read from spaCy's PERSON entities of its lines; ``None`` for any other
    question, or when the article names no person."""
    from qa_bot.answering.subject import Mention, asks_who_about, main_person, subject_answer

    if not found.passages or not asks_who_about(found.standalone, follow_up=bool(found.history)):
        return None
    document = bot.document(found.passages[0].chunk.doc_id)
    lines = re.finditer(r"[^\n]+", document.text)
    mentions = [Mention(start, end, sentence) for start, end, sentence in _people(bot, lines)]
    best = main_person(document.text, mentions)
    return None if best is None else subject_answer(found.question, document, *best)


def credit_reply(bot: QABot, found: Retrieval) -> Answer | None:
    """For a question asking who took a photo, or what it shows (:mod:`qa_bot.answering.credits`), the credit (the
    words) of the caption of the retrieved passages' articles that it names best; ``None`` for any other question,
    or when no caption is credited or the question names something no caption mentions."""
    from qa_bot.answering.credits import asks_for_photographer, asks_what_photo_shows, credit_answer

    q = found.standalone
    if not found.passages or not (asks_for_photographer(q) or asks_what_photo_shows(q)):
        return None
    documents = [bot.document(d) for d in found.article_ids]
    answer = credit_answer(q, documents)
    return None if answer is None else replace(answer, question=found.question)


def provenance_reply(bot: QABot, found: Retrieval) -> Answer | None:
    """For a question asking who wrote the article or when it was published (:mod:`qa_bot.answering.provenance`),
    its byline or dateline, of the best passage's article (declined where it has none); ``None`` otherwise."""
    from qa_bot.answering.provenance import asks_when_published, asks_who_wrote, provenance_answer

    q, follow_up = found.standalone, bool(found.history)
    if not found.passages or not (asks_who_wrote(q, follow_up) or asks_when_published(q)):
        return None  # the article is fetched only for these questions
    answer = provenance_answer(q, bot.document(found.passages[0].chunk.doc_id), follow_up)
    return None if answer is None else replace(answer, question=found.question)


def name_part_reply(bot: QABot, found: Retrieval, lines: int = 6) -> Answer | None:
    """For a question asking part of a named person's name (:mod:`qa_bot.answering.name_parts`: "What is Durham's
    first name?"), that part of the longest name the first retrieved article that names them gives them, read from
    spaCy's PERSON entities of its first ``lines`` lines naming them; ``None`` for any other question, or when no
    such entity names them (spaCy may tag a lone surname otherwise: the reader answers then)."""
    from qa_bot.answering.name_parts import asked_name_part, mentions_name_part, name_part_answer

    if not found.passages or not mentions_name_part(found.standalone):
        return None  # the question is cased (its names written as the passages write them) only for these
    asked = asked_name_part(cased(found), found.history[-1][1] if found.history else "")
    if asked is None:
        return None
    name, part = asked
    named = re.compile(r"(?<!\w)" + re.escape(name.split()[-1]) + r"(?!\w)", re.IGNORECASE)  # the surname
    mentions = []
    for doc_id in found.article_ids:
        document = bot.document(doc_id)
        naming = [m for m in re.finditer(r"[^\n]+", document.text) if named.search(m.group())][:lines]
        for start, end, (a, b) in _people(bot, naming):
            if named.search(document.text[start:end]):
                cited = Citation(doc_id, document.title, a, b, document.text[a:b], 1.0)
                mentions.append((document, start, end, cited))
        if mentions:
            break
    if not mentions:
        return None
    return replace(name_part_answer(found.standalone, name, part, mentions), question=found.question)


def _people(bot: QABot, lines: Iterable[re.Match[str]]) -> list[tuple[int, int, tuple[int, int]]]:
    """spaCy's PERSON entities of ``lines`` (matches over an article's text; parses remembered): each name's
    ``(start, end)`` and its sentence's, as offsets of that text."""
    from qa_bot.conversation import RememberedParses

    parse = RememberedParses.of(bot.nlp)
    out = []
    for line in lines:
        at = line.start()
        for ent in parse(line.group()).ents:
            if ent.label_ == "PERSON":
                sent = ent.sent
                sentence = (at + sent.start_char, at + sent.start_char + len(sent.text.rstrip()))
                out.append((at + ent.start_char, at + ent.end_char, sentence))
    return out


def cased(found: Retrieval) -> str:
    """The standalone question with the names typed in lower case written as the retrieved passages write them
    (:func:`qa_bot.text.restore_case`): the statement and identity paths find names by their capitals."""
    from qa_bot.text import restore_case

    return restore_case(found.standalone, [p.chunk.text for p in found.passages])


def role_reply(bot: QABot, found: Retrieval) -> Answer | None:
    """For a question asking whether someone it names holds a role ("Is Blinken the Secretary of State?",
    :func:`~qa_bot.text.asked_role`), **Yes**, quoting and citing the role the article gives them ("US Secretary of
    State": :func:`role_pieces`) when it holds every content word of the one asked; ``None`` otherwise — the reader
    answers, since another role given is no "no" (``meta["role_check"]``; not scored by the reader: confidence 1).
    The reader had read "he did not rule out future changes in this position" as the words to rest on: "No"."""
    from qa_bot.text import asked_role, content_words, stem

    asked = asked_role(cased(found)) if found.passages else None
    wanted = {stem(w) for w in content_words(asked[1])} if asked else set()
    if asked is None or not wanted:
        return None
    for piece in role_pieces(bot, found, asked[0]):
        for seg in piece.segments:
            words = piece.text[seg.at : seg.at + seg.end - seg.start]
            if seg.part == "role" and wanted <= {stem(w) for w in content_words(words)}:
                return Answer(question=found.question, text="Yes", abstained=False, citations=piece.cite_speaker,
                              confidence=1.0, doc_id=piece.doc_id, answer_start=seg.start, answer_end=seg.end,
                              kind="yes", quote=words, meta={"role_check": True})  # fmt: skip
    return None


def role_pieces(bot: QABot, found: Retrieval, name: str, *, whole: bool = True) -> list[StatementPiece]:
    """The roles the retrieved passages' articles give the person ``name``, as pieces for the reader: those of the
    statements they are the speaker of, found at ingest (:func:`~qa_bot.answering.statements.identity_pieces`; when
    the ``use_statements`` setting reads statements), else those the sentences naming them give, parsed now
    (:func:`mention_roles`). ``whole``: answered by the whole role ("Who is Blinken?"), not a span of it ("Where
    does Nader work?")."""
    from qa_bot.answering.statements import identity_pieces

    said = {d: bot.statements(d) for d in found.article_ids} if bot.settings.use_statements else {}
    articles = [
        (bot.document(d), statements) for d, statements in said.items() if statements
    ]  # text only if needed
    return identity_pieces(name, found.passages, articles, whole=whole) or mention_roles(
        bot, found, name, whole=whole
    )


def mention_roles(bot: QABot, found: Retrieval, name: str, *, whole: bool = True) -> list[StatementPiece]:
    """For "Who is <name>?", the roles the retrieved passages give that person ("French President Emmanuel
    Macron"), read now with spaCy (only the passages' sentences naming them), as pieces for the reader."""
    from qa_bot.answering.statements import mention_pieces
    from qa_bot.ingest.statements import person_roles

    pieces: list[StatementPiece] = []
    for doc_id in found.article_ids:
        chunks = [p.chunk for p in found.passages if p.chunk.doc_id == doc_id]
        # sentence by sentence (chunks overlap by one), each parsed once: the parse is the cost
        within = sorted(
            {(c.start + a, c.start + b) for c in chunks for a, b in c.sentences or [(0, len(c.text))]}
        )
        document = bot.document(doc_id)
        pieces += mention_pieces(document, person_roles(document.text, name, bot.nlp, within), whole=whole)
    return pieces
