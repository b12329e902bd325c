"""Retrieve stage as a LangChain ``BaseRetriever``: :class:`HybridRetriever` runs :class:`.hybrid.HybridSearch`
and returns LangChain ``Document`` objects, so LangChain callbacks see each retrieval (``bot.chain`` and
``bot.pipeline`` given a ``config``) and it composes with any LangChain chain. Imported on first use only:
langchain-core's Runnables cost half a second of a cold start."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from qa_bot.retrieve.hybrid import HybridSearch
from qa_bot.store.records import entities_from_lists
from qa_bot.types import Chunk, Passage

__all__ = ["HybridRetriever", "passage_from_document", "passage_to_document"]


class HybridRetriever(BaseRetriever):
    """:class:`HybridSearch` (dense + BM25 over a :class:`qa_bot.store.Store`, fused with RRF) as a LangChain
    retriever. ``k`` (constructor or per call: ``retriever.invoke(q, k=3)``), ``doc_ids`` and ``history`` as there.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: object
    embedder: object
    k: int = Field(default=4, gt=0)
    fetch_k: int = Field(default=20, gt=0)
    rrf_k: int = Field(default=60, gt=0)
    doc_ids: list[str] | None = None

    @classmethod
    def over(cls, search: HybridSearch) -> HybridRetriever:
        """The retriever running ``search`` (same store, embedder and options)."""
        return cls(store=search.store, embedder=search.embedder, k=search.k, fetch_k=search.fetch_k,
                   rrf_k=search.rrf_k, doc_ids=search.doc_ids)  # fmt: skip

    @property
    def search(self) -> HybridSearch:
        """The plain search this retriever runs (``retriever.search.retrieve(q)``: :class:`Passage` objects)."""
        return HybridSearch(self.store, self.embedder, self.k, self.fetch_k, self.rrf_k, self.doc_ids)

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        doc_ids: list[str] | None = None,
        history: Sequence[tuple[str, str]] = (),
    ) -> list[LCDocument]:
        found = self.search.retrieve(query, k=k, doc_ids=doc_ids, history=history)
        return [passage_to_document(p) for p in found]


def passage_to_document(passage: Passage) -> LCDocument:
    c = passage.chunk
    return LCDocument(
        page_content=c.text,
        id=c.chunk_id,
        metadata={
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "title": c.title,
            "start": c.start,
            "end": c.end,
            "sentences": c.sentences,
            "entities": c.entities,
            "score": passage.score,
            "similarity": passage.similarity,
        },
    )


def passage_from_document(doc: LCDocument) -> Passage:
    m = doc.metadata
    chunk = Chunk(
        chunk_id=str(m.get("chunk_id", doc.id or "")),
        doc_id=str(m["doc_id"]),
        title=str(m.get("title", "")),
        start=int(m["start"]),
        end=int(m["end"]),
        text=doc.page_content,
        sentences=tuple((int(a), int(b)) for a, b in m.get("sentences", ())),
        entities=entities_from_lists(m.get("entities")),
    )
    return Passage(chunk=chunk, score=float(m.get("score", 0.0)), similarity=float(m.get("similarity", 0.0)))
