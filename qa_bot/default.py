"""The default bot: one per process, on ``QA_BOT_INDEX_DIR`` or ``indexes/default``, with the seed article
ingested when that index is empty; :func:`answer` asks it."""

from __future__ import annotations

import threading

from qa_bot.bot import History, QABot
from qa_bot.config import SEED_ARTICLE
from qa_bot.types import Answer

__all__ = ["answer", "default_bot"]

_default_bot: QABot | None = None
_default_lock = threading.Lock()


def default_bot() -> QABot:
    """The bot on the default index (``QA_BOT_INDEX_DIR`` or ``indexes/default``), created once per process;
    the seed article is ingested when that index is empty."""
    global _default_bot
    with _default_lock:
        if _default_bot is None:
            bot = QABot(preload=True)
            if not bot.documents() and SEED_ARTICLE.exists():
                bot.ingest(SEED_ARTICLE)
            _default_bot = bot
        return _default_bot


def answer(question: str, history: History | None = None) -> Answer:
    """Ask the default index (seed article ingested on demand)."""
    return default_bot().ask(question, history)
