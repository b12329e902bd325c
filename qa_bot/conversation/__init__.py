"""Conversation stage: small talk (:mod:`.smalltalk`), a message that asks two things parted into its questions
(:mod:`.compound`), a question's misspelt words mended (:mod:`.spelling`),
follow-ups read in their conversation and rewritten into standalone questions (:mod:`.rewrite`; spaCy's parses of
the texts it reads are kept by :mod:`.parses`), a chat that keeps its own history (:mod:`.chat`), and the checks of
what a caller gives (:mod:`.validate`)."""

from qa_bot.conversation.compound import split_questions
from qa_bot.conversation.rewrite import (
    PRONOUNS,
    History,
    RememberedParses,
    asks_for_another,
    reader_input,
    rewrite_question,
    standalone_question,
)
from qa_bot.conversation.spelling import respell
from qa_bot.conversation.validate import validate_history, validate_question

__all__ = [
    "PRONOUNS",
    "History",
    "RememberedParses",
    "asks_for_another",
    "reader_input",
    "respell",
    "rewrite_question",
    "split_questions",
    "standalone_question",
    "validate_history",
    "validate_question",
]
