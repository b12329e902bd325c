"""The error tree. Every user-facing failure is a :class:`QABotError` with a one-line message.

Surfaces turn these into exit code 2 (CLI), a chat message (Gradio) or an HTTP 4xx; never a traceback.
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "IndexUnavailable",
    "IngestError",
    "InvalidInput",
    "LLMUnavailable",
    "ModelUnavailable",
    "QABotError",
]


class QABotError(Exception):
    """Base class of every error qa-bot raises on purpose."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class InvalidInput(QABotError, ValueError):
    """A question, history or argument that cannot be used as given."""


class IngestError(QABotError):
    """A file or text that cannot be ingested (missing, empty, binary, not UTF-8, ...)."""


class IndexUnavailable(QABotError):
    """The index directory cannot be opened as a qa-bot index."""


class ModelUnavailable(QABotError):
    """An offline model package (embeddings or spaCy) is not installed or fails to load."""


class AccessDenied(QABotError):
    """A served page's visitor may not do this (change the shared index without the operator's leave) or not now
    (over a rate limit)."""


class LLMUnavailable(QABotError):
    """An optional LLM backend is misconfigured, unreachable or too slow."""
