"""Retrieve stage: hybrid search, plain Python (no LangChain import: the question path stays light).

Dense (Chroma, cosine over all-MiniLM-L6-v2) and lexical (BM25) candidates are fused by Reciprocal Rank
Fusion: ``score(chunk) = sum over lists of 1 / (rrf_k + rank)``. A question that names a date ("What happened on
Oct. 24?", "What did she say last Tuesday?") adds a third list: the chunks of the candidate articles whose
sentences name that day, the question's date resolved against each article's publication date. No answering
happens here. :class:`qa_bot.retrieve.retriever.HybridRetriever` is the same search as a LangChain
``BaseRetriever`` (for callbacks and LangChain users).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa_bot.types import Chunk, Passage

__all__ = ["HybridSearch"]


@dataclass(frozen=True)
class HybridSearch:
    """Dense + BM25 retrieval over a :class:`qa_bot.store.Store`, fused with RRF; ``embedder`` turns the query
    into a vector (any object with ``embed_one``, e.g. :class:`qa_bot.models.Embedder`).

    ``k`` (or per call) is how many chunks come back; ``doc_ids`` restricts the search to some articles;
    ``history`` (a conversation's turns) adds the passage of its last answer.
    """

    store: Any
    embedder: Any
    k: int = 4
    fetch_k: int = 20
    rrf_k: int = 60
    doc_ids: list[str] | None = None

    def __post_init__(self) -> None:
        for name in ("k", "fetch_k", "rrf_k"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")

    def retrieve(
        self,
        query: str,
        *,
        k: int | None = None,
        doc_ids: list[str] | None = None,
        history: Sequence[tuple[str, str]] = (),
    ) -> list[Passage]:
        """The fused top ``k`` passages as qa-bot :class:`Passage` objects, best first; asked in a conversation
        (``history``), also the passage its last answer came from, after them when not among them
        (:meth:`previous_passage`)."""
        passages = self._search(query, k, doc_ids)
        before = self.previous_passage(history, doc_ids=doc_ids) if history else None
        if before is not None and all(p.chunk.chunk_id != before.chunk.chunk_id for p in passages):
            passages.append(before)
        return passages

    def _search(self, query: str, k: int | None, doc_ids: list[str] | None) -> list[Passage]:
        k = k or self.k
        doc_ids = doc_ids if doc_ids is not None else self.doc_ids
        fetch = max(self.fetch_k, k)
        dense = self.store.dense_search(self.embedder.embed_one(query), fetch, doc_ids)
        lexical = self.store.lexical_search(query, fetch, doc_ids)
        lists = [[c for c, _ in dense], [c for c, _ in lexical]]
        lists += self._dated(query, lists[0] + lists[1])
        similarity = {c.chunk_id: s for c, s in dense}
        return [
            Passage(chunk=c, score=score, similarity=similarity.get(c.chunk_id, 0.0))
            for c, score in self._fuse(lists)[:k]
        ]

    def previous_passage(
        self, history: Sequence[tuple[str, str]], *, doc_ids: list[str] | None = None, fetch: int = 5
    ) -> Passage | None:
        """The passage the conversation's last answer came from: of the chunks most like that turn (its question
        and answer, dense and BM25 fused), the first that holds the answer's words, else the first. ``None``
        when no earlier turn was answered. A follow-up reads it besides its own passages, so that "Why?" or
        "County?" can be answered from where the conversation is."""
        from qa_bot.types import ABSTAIN_TEXT

        answered = [(q, a.strip()) for q, a in history if a.strip() and a.strip() != ABSTAIN_TEXT]
        if not answered:
            return None
        doc_ids = doc_ids if doc_ids is not None else self.doc_ids
        question, answer = answered[-1]
        query = f"{question} {answer}"
        dense = self.store.dense_search(self.embedder.embed_one(query), fetch, doc_ids)
        lexical = self.store.lexical_search(query, fetch, doc_ids)
        fused = self._fuse([[c for c, _ in dense], [c for c, _ in lexical]])
        if not fused:
            return None
        said = answer.lower()
        chunk, score = next(((c, s) for c, s in fused if said in c.text.lower()), fused[0])
        return Passage(
            chunk=chunk,
            score=score,
            similarity=dict((c.chunk_id, s) for c, s in dense).get(chunk.chunk_id, 0.0),
        )

    def _fuse(self, lists: Sequence[Sequence[Chunk]]) -> list[tuple[Chunk, float]]:
        """Reciprocal Rank Fusion of ranked chunk lists: best first, ties by article and position."""
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for ranked in lists:
            for rank, chunk in enumerate(ranked, start=1):
                fused[chunk.chunk_id] = fused.get(chunk.chunk_id, 0.0) + 1.0 / (self.rrf_k + rank)
                chunks[chunk.chunk_id] = chunk
        best = sorted(fused, key=lambda cid: (-fused[cid], chunks[cid].doc_id, chunks[cid].start))
        return [(chunks[cid], fused[cid]) for cid in best]

    def _dated(self, query: str, candidates: list[Chunk], articles: int = 3) -> list[list[Chunk]]:
        """Per candidate article (the first few), its chunks that name a day the query names."""
        from qa_bot.dates import could_name_a_date, days_named

        if not could_name_a_date(query):
            return []
        out = []
        for doc_id in list(dict.fromkeys(c.doc_id for c in candidates))[:articles]:
            try:
                published = self.store.published(doc_id)
            except KeyError:
                continue
            days = days_named(query, published or None)
            if days:
                out.append(self.store.chunks_naming(doc_id, days))
        return [ranked for ranked in out if ranked]
