"""A conversation that keeps its own history, on top of the facade (data flows chat -> bot, never back)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from qa_bot.conversation.compound import split_questions
from qa_bot.types import Answer, Final, StreamEvent

if TYPE_CHECKING:
    from qa_bot.bot import QABot

__all__ = ["Chat", "answers_payload"]


class Chat:
    """A conversation with a bot that keeps its own history (small talk is answered but not remembered).

    >>> chat = bot.chat()
    >>> chat.ask("Who denied the allegations?").text
    'Amir Saeid Iravani'
    >>> chat.ask("What did he call them?").rewritten_question
    'What did Amir Saeid Iravani call the allegations?'
    >>> [a.text for a in bot.chat().ask_each("Who denied the allegations and what did he call them?")]
    ['Amir Saeid Iravani', 'baseless']
    """

    def __init__(
        self,
        bot: QABot,
        doc_ids: Sequence[str] | None = None,
        max_turns: int = 20,
        history: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        from qa_bot.conversation.validate import validate_history

        self.bot = bot
        self.doc_ids = list(doc_ids) if doc_ids else None
        self.max_turns = max_turns
        # the turns it goes on from (an API call's history): asked with the first question as they are
        self.history: list[tuple[str, str]] = validate_history(history)
        self.answers: list[Answer] = []

    def ask(self, question: str) -> Answer:
        for event in self.stream(question):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("a stream always ends with its Final event")  # pragma: no cover

    def ask_each(self, message: str) -> list[Answer]:
        """An answer to each question of a message that asks several at once ("Who denied the allegations and what
        did he call them?"), asked one after the other as the web chat asks them
        (:func:`~qa_bot.conversation.split_questions`): each part is a turn of the conversation, read after the parts
        before it. A message of one question gets a list of one answer, as :meth:`ask` gives it."""
        parts = (
            split_questions(message) if isinstance(message, str) else [message]
        )  # not a string: ask says so
        return [self.ask(part) for part in parts]

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


def answers_payload(answers: Sequence[Answer], fields: Sequence[str] = ()) -> dict[str, Any]:
    """The JSON of the answers to one message (:meth:`Chat.ask_each`), as ``/ask`` and ``qa-bot ask --json`` give
    it: the first answer's fields (``fields`` of them, or all), and under ``parts`` every answer's when the message
    asked several questions."""
    out = [{k: d[k] for k in fields} if fields else d for d in (a.to_dict() for a in answers)]
    return {**out[0], "parts": out} if len(out) > 1 else out[0]
