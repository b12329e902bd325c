"""Retrieve stage: hybrid search (dense + BM25 + named days, fused by RRF) as a LangChain ``BaseRetriever``
(:mod:`.hybrid`). No answering happens here."""

from qa_bot.retrieve.hybrid import HybridRetriever, passage_from_document, passage_to_document

__all__ = ["HybridRetriever", "passage_from_document", "passage_to_document"]
