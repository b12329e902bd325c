"""A conversation that keeps its own history, on top of the facade (data flows chat -> bot, never back)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from qa_bot.types import Answer, Final, StreamEvent

if TYPE_CHECKING:
    from qa_bot.bot import QABot

__all__ = ["Chat"]


class Chat:
    """A conversation with a bot that keeps its own history (small talk is answered but not remembered).

    >>> chat = bot.chat()
    >>> chat.ask("Who denied the allegations?").text
    'Amir Saeid Iravani'
    >>> chat.ask("What did he call them?").rewritten_question
    'What did Amir Saeid Iravani call the allegations?'
    """

    def __init__(self, bot: QABot, doc_ids: Sequence[str] | None = None, max_turns: int = 20) -> None:
        self.bot = bot
        self.doc_ids = list(doc_ids) if doc_ids else None
        self.max_turns = max_turns
        self.history: list[tuple[str, str]] = []
        self.answers: list[Answer] = []

    def ask(self, question: str) -> Answer:
        for event in self.stream(question):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("a stream always ends with its Final event")  # pragma: no cover

    def stream(self, question: str) -> Iterator[StreamEvent]:
        """:class:`Token` pieces, then the :class:`Final` answer (see ``QABot.stream``); the turn is remembered
        at the end."""
        for event in self.bot.stream(question, self.history, doc_ids=self.doc_ids):
            if isinstance(event, Final):
                self._remember(event.answer)
            yield event

    def _remember(self, answer: Answer) -> None:
        self.answers.append(answer)
        if not answer.smalltalk:
            self.history.append((answer.question, answer.text))
            del self.history[: -self.max_turns]

    def reset(self) -> None:
        self.history.clear()
        self.answers.clear()
