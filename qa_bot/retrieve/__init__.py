"""Retrieve stage: hybrid search (dense + BM25 + named days, fused by RRF), :class:`HybridSearch` (:mod:`.hybrid`,
plain Python) and the same as a LangChain ``BaseRetriever``, :class:`HybridRetriever` (:mod:`.retriever`, which
imports langchain-core, so it is loaded on first use). No answering happens here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa_bot.retrieve.hybrid import HybridSearch

if TYPE_CHECKING:
    from qa_bot.retrieve.retriever import HybridRetriever, passage_from_document, passage_to_document

__all__ = ["HybridRetriever", "HybridSearch", "passage_from_document", "passage_to_document"]


def __getattr__(name: str) -> Any:
    if name in ("HybridRetriever", "passage_from_document", "passage_to_document"):
        from qa_bot.retrieve import retriever

        return getattr(retriever, name)
    raise AttributeError(f"module 'qa_bot.retrieve' has no attribute {name!r}")
