"""The spaCy-backed checks the answerer reads a candidate span's sentence with, built for one bot: its spaCy
pipeline loaded on first use (only for a span that needs one: never for a plain first question), each sentence
parsed once (:class:`~qa_bot.conversation.RememberedParses`) and shared by all.

- :func:`name_finder`: its names, which a span is widened to rather than cut (:mod:`qa_bot.answering.names`);
- :func:`role_finder`: the roles it gives a person (:mod:`qa_bot.answering.offices`);
- :func:`negation_check`: whether it denies a span for a question (:mod:`qa_bot.answering.negation`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa_bot.answering.names import NameFinder
    from qa_bot.answering.negation import NegationCheck
    from qa_bot.answering.offices import RoleFinder
    from qa_bot.bot import QABot

__all__ = ["name_finder", "negation_check", "role_finder", "span_checks"]


def span_checks(bot: QABot) -> dict[str, Any]:
    """The checks as :class:`~qa_bot.answering.extractive.ExtractiveAnswerer`'s keyword arguments."""
    return {"names": name_finder(bot), "roles": role_finder(bot), "denied": negation_check(bot)}


def name_finder(bot: QABot) -> NameFinder:
    """The names of a sentence (:data:`~qa_bot.answering.names.NAME_LABELS`: not dates, times or amounts), by
    spaCy's NER (for a chunk stored before its entities were kept)."""
    from qa_bot.answering.names import name_spans
    from qa_bot.conversation import RememberedParses

    def names(sentence: str) -> list[tuple[int, int]]:
        ents = RememberedParses.of(bot.nlp)(sentence).ents
        return name_spans([(e.start_char, e.end_char, e.label_) for e in ents])

    return names


def role_finder(bot: QABot) -> RoleFinder:
    """The roles a sentence gives a person it names ("Cisco CEO" in "Cisco CEO Chuck Robbins said …"), found
    with spaCy's parse of it (:func:`qa_bot.ingest.statements.person_roles`)."""
    from qa_bot.conversation import RememberedParses
    from qa_bot.ingest.statements import person_roles

    def roles(sentence: str, name: str) -> list[str]:
        found = person_roles(sentence, name, RememberedParses.of(bot.nlp), [(0, len(sentence))])
        return [role.text for _, role, _ in found]

    return roles


def negation_check(bot: QABot) -> NegationCheck:
    """Whether a sentence denies a span for a question ("The study did not find a link …" for "What did the study
    find?"), by spaCy's parses of both (only a sentence with a negation word is parsed)."""
    from qa_bot.answering.negation import denies, may_deny
    from qa_bot.conversation import RememberedParses

    def check(question: str, sentence: str, start: int, end: int) -> bool:
        if not may_deny(sentence):
            return False
        parse = RememberedParses.of(bot.nlp)
        return denies(parse(question), parse(sentence), start, end)

    return check
