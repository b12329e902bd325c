"""What a conversation's caller gives, checked: the question and the history, or a clear :class:`InvalidInput`."""

from __future__ import annotations

from typing import Any

from qa_bot.errors import InvalidInput

__all__ = ["validate_history", "validate_question"]


def validate_question(question: object, max_chars: int) -> str:
    """The question, whitespace-normalised, or an :class:`InvalidInput` saying what is wrong with it."""
    if not isinstance(question, str):
        raise InvalidInput("The question must be text.")
    q = question.strip()
    if not q:
        raise InvalidInput("Please type a question.")
    if len(q) > max_chars:
        raise InvalidInput(f"The question is {len(q):,} characters long; the limit is {max_chars:,}.")
    return " ".join(q.split())


def validate_history(history: Any, max_chars: int = 20_000) -> list[tuple[str, str]]:
    """``[(question, answer), ...]`` or a clear :class:`InvalidInput`."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, (list, tuple)):
        raise InvalidInput("history must be a list of [question, answer] pairs.")
    out: list[tuple[str, str]] = []
    for i, turn in enumerate(history):
        if not isinstance(turn, (list, tuple)) or len(turn) != 2 or not all(isinstance(x, str) for x in turn):
            raise InvalidInput(f"history[{i}] must be a [question, answer] pair of strings.")
        out.append((turn[0], turn[1]))
    if sum(len(q) + len(a) for q, a in out) > max_chars:
        out = out[-5:]
    return out
