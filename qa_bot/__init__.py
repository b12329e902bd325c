"""qa-bot: ask questions about news articles, get short answers quoted from them with exact citations.

``import qa_bot`` stays light: torch, sentence-transformers, spaCy, Chroma and Gradio load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa_bot.errors import (
    AccessDenied,
    IndexUnavailable,
    IngestError,
    InvalidInput,
    LLMUnavailable,
    ModelUnavailable,
    QABotError,
)
from qa_bot.types import (
    ABSTAIN_TEXT,
    Answer,
    ArticleFilter,
    Citation,
    DateMention,
    Document,
    DocumentSummary,
    Final,
    IngestReport,
    Retrieval,
    Statement,
    StreamEvent,
    TextSpan,
    Token,
)

if TYPE_CHECKING:
    from qa_bot.bot import QABot
    from qa_bot.config import Settings
    from qa_bot.default import answer

__version__ = "0.1.0"

__all__ = [
    "ABSTAIN_TEXT",
    "AccessDenied",
    "Answer",
    "ArticleFilter",
    "Citation",
    "DateMention",
    "Document",
    "DocumentSummary",
    "Final",
    "IndexUnavailable",
    "IngestError",
    "IngestReport",
    "InvalidInput",
    "LLMUnavailable",
    "ModelUnavailable",
    "QABot",
    "QABotError",
    "Retrieval",
    "Settings",
    "Statement",
    "StreamEvent",
    "TextSpan",
    "Token",
    "__version__",
    "answer",
]

_LAZY = {"QABot": "qa_bot.bot", "answer": "qa_bot.default", "Settings": "qa_bot.config"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qa_bot' has no attribute {name!r}")
