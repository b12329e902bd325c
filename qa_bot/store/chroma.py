"""The Chroma store: pure storage of articles and their embedded chunks (embedded ``PersistentClient`` in
``index_dir``, or a Chroma server at ``chroma_url``), with dense and BM25 search over the chunks.

Two collections (record layout: :mod:`qa_bot.store.records`):

- ``qa_bot_chunks``: one record per chunk: its vector, text and ``{doc_id, title, start, end}``;
- ``qa_bot_documents``: one record per article: the canonical text and ``{title, source, sources, sites,
  published, published_day, n_chunks, n_chars, minhash}``. Chroma needs a vector per record; these carry a
  constant 1-d placeholder and are never searched by vector.

A document record is written only after all its chunks, so a document that is listed is complete; chunks of
an unlisted document (an interrupted ingest) are removed before the next write. Chunk ids are content hashes,
so writing the same article twice changes nothing. What to store (skip, replace, copy) is the
:class:`qa_bot.ingest.indexer.Indexer`'s decision, not the store's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa_bot.errors import IndexUnavailable, InvalidInput, QABotError
from qa_bot.store.lexical import LexicalCache, LexicalIndex
from qa_bot.store.opening import INDEX_MARKER, check_index_dir, first_line, http_client, write_marker
from qa_bot.store.records import (
    article_where,
    chunk_from_record,
    chunk_metadata,
    document_metadata,
    entity_metadata,
    sources_metadata,
    statements_from_metadata,
    summary_from_record,
    where_doc_ids,
)
from qa_bot.types import ArticleFilter, Chunk, Document, DocumentSummary, Statement

__all__ = ["INDEX_MARKER", "Store", "StoredArticle"]

log = logging.getLogger(__name__)

CHUNKS = "qa_bot_chunks"
DOCUMENTS = "qa_bot_documents"
_PAGE = 5000


@dataclass(frozen=True)
class StoredArticle:
    """One article to write: the document, its chunks, one vector per chunk, its MinHash signature, and per chunk
    the days (``YYYYMMDD``) it names (empty: none, or not computed)."""

    document: Document
    chunks: Sequence[Chunk]
    vectors: Sequence[Sequence[float]]
    minhash: str = ""
    days: Sequence[Sequence[int]] = ()
    statements: Sequence[Statement] = ()


class Store:
    """A persistent qa-bot index in ``index_dir`` (created when missing or empty), or on a Chroma server."""

    def __init__(self, index_dir: str | os.PathLike[str], chroma_url: str | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url or None
        self._lock = threading.RLock()
        self._orphans_checked = False
        if self.chroma_url is None:
            check_index_dir(self.index_dir)
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            settings = ChromaSettings(anonymized_telemetry=False)
            if self.chroma_url is None:
                self._client = chromadb.PersistentClient(path=str(self.index_dir), settings=settings)
            else:
                self._client = http_client(self.chroma_url, settings)
            self._chunks = self._client.get_or_create_collection(
                CHUNKS, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )
            self._documents = self._client.get_or_create_collection(DOCUMENTS, embedding_function=None)
        except QABotError:
            raise
        except Exception as exc:
            if self.chroma_url is None and (
                "readonly" in str(exc).replace("-", "") or not os.access(self.index_dir, os.W_OK)
            ):
                raise IndexUnavailable(
                    f"The index at {self.index_dir} is read-only: Chroma needs write access even to read it."
                    " Copy it to a writable place, or serve it from a Chroma server (--chroma-url)."
                ) from exc
            where = (
                f"the Chroma server at {self.chroma_url}"
                if self.chroma_url
                else f"the index at {self.index_dir}"
            )
            raise IndexUnavailable(f"Cannot open {where}: {first_line(exc)}") from exc
        if self.chroma_url is None:
            write_marker(self.index_dir)
        local = self.chroma_url is None
        self._lexical = LexicalCache(
            self.all_chunks, self.count, self.stamp,
            directory=self.index_dir if local else None,
            files=[self.index_dir / "chroma.sqlite3", self.index_dir / "chroma.sqlite3-wal"] if local else (),
        )  # fmt: skip

    # -- reading -----------------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of stored chunks."""
        return self._chunks.count()

    def has_document(self, doc_id: str) -> bool:
        return bool(self._documents.get(ids=[doc_id], include=[])["ids"])

    def document(self, doc_id: str) -> Document:
        """One stored article (``KeyError`` when it is not there)."""
        got = self._documents.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            raise KeyError(doc_id)
        meta = got["metadatas"][0] or {}
        return Document(
            doc_id=doc_id,
            title=str(meta.get("title", "")),
            text=got["documents"][0],
            source=str(meta.get("source", "")),
            published=str(meta.get("published", "")),
            published_source=str(meta.get("published_source", "")),
        )

    def statements(self, doc_id: str) -> tuple[Statement, ...]:
        """The statements found in an article at ingest (``KeyError`` when it is not there; empty for one stored
        before they were kept)."""
        got = self._documents.get(ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            raise KeyError(doc_id)
        return statements_from_metadata(got["metadatas"][0])

    def published(self, doc_id: str) -> str:
        """An article's publication date (``YYYY-MM-DD``, ``""`` when unknown), without fetching its text
        (``KeyError`` when the article is not there)."""
        got = self._documents.get(ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            raise KeyError(doc_id)
        return str((got["metadatas"][0] or {}).get("published", ""))

    def documents(self, doc_ids: Sequence[str] | None = None) -> list[DocumentSummary]:
        """One summary per stored article, sorted by title."""
        got = self._documents.get(ids=list(doc_ids) if doc_ids else None, include=["metadatas"])
        rows = [summary_from_record(i, m) for i, m in zip(got["ids"], got["metadatas"], strict=True)]
        return sorted(rows, key=lambda r: (r.title, r.doc_id))

    def documents_from(self, source: str) -> list[str]:
        """Ids of the stored articles that came from ``source`` (a file path, URL or JSONL id), as their own
        text or as a syndicated copy listed on them."""
        where = {"$or": [{"source": source}, {"sources": {"$contains": source}}]}
        return list(self._documents.get(where=where, include=[])["ids"])

    def find_documents(self, where: ArticleFilter) -> list[str]:
        """Ids of the stored articles matching the filter (a Chroma metadata filter on the article records)."""
        return list(self._documents.get(where=article_where(where), include=[])["ids"])

    def scope(self, doc_ids: Sequence[str] | None, where: ArticleFilter | None) -> list[str] | None:
        """The articles a question may use: ``doc_ids`` and/or the ones matching ``where``; ``None`` for all. No
        article matching a filter is an :class:`InvalidInput` naming the filter."""
        if where is None or where.empty:
            return list(doc_ids) if doc_ids else None
        found = self.find_documents(where)
        if doc_ids:
            wanted = set(doc_ids)
            found = [i for i in found if i in wanted]
        if not found:
            said = ", ".join(f"{k}={v!r}" for k, v in where.to_dict().items() if v)
            raise InvalidInput(f"No article in this index matches {said}.")
        return found

    def signatures(self) -> list[tuple[str, str]]:
        """``(doc_id, minhash)`` of every stored article (``""`` for records written before signatures)."""
        got = self._documents.get(include=["metadatas"])
        return [
            (i, str((m or {}).get("minhash", ""))) for i, m in zip(got["ids"], got["metadatas"], strict=True)
        ]

    def sources(self, doc_id: str) -> list[str]:
        """Every place an article came from: its own source first, then its syndicated copies'."""
        summary = self.documents([doc_id])
        return list(summary[0].sources) if summary else []

    def all_chunks(self) -> list[Chunk]:
        out: list[Chunk] = []
        offset = 0
        while True:
            got = self._chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            out.extend(
                chunk_from_record(i, t, m)
                for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            )
            if len(got["ids"]) < _PAGE:
                return out
            offset += _PAGE

    # -- searching ---------------------------------------------------------------------------------------
    def dense_search(
        self, query_embedding: Sequence[float], n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity (``1 - distance``), best first."""
        res = self._chunks.query(  # n may exceed the collection: Chroma returns what there is
            query_embeddings=[list(map(float, query_embedding))],
            n_results=n,
            where=where_doc_ids(doc_ids),
            include=["documents", "metadatas", "distances"],
        )
        return [
            (chunk_from_record(i, t, m), 1.0 - float(d))
            for i, t, m, d in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
        ]

    def lexical_search(
        self, query: str, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Best chunks by BM25, best first."""
        allowed = None if not doc_ids else (lambda c, ids=frozenset(doc_ids): c.doc_id in ids)
        return self._lexical.get().search(query, n, allowed)

    def chunks_naming(self, doc_id: str, days: Sequence[int], n: int = 20) -> list[Chunk]:
        """Chunks of one article whose sentences name one of ``days`` (``YYYYMMDD``), in text order."""
        if not days:
            return []
        named = [{"days": {"$contains": int(d)}} for d in days]
        where = {"$and": [{"doc_id": doc_id}, named[0] if len(named) == 1 else {"$or": named}]}
        got = self._chunks.get(where=where, include=["documents", "metadatas"], limit=n)
        found = [
            chunk_from_record(i, t, m)
            for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(found, key=lambda c: c.start)

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """One article's chunks, in text order."""
        got = self._chunks.get(where={"doc_id": doc_id}, include=["documents", "metadatas"])
        found = [
            chunk_from_record(i, t, m)
            for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(found, key=lambda c: (c.start, c.end))

    def untyped(self, doc_ids: Sequence[str] | None = None) -> list[str]:
        """Of ``doc_ids`` (all when ``None``), the stored articles whose chunks were stored without looking for
        their named entities (by a qa-bot from before they were kept, or without spaCy's NER)."""
        got = self._chunks.get(where=where_doc_ids(doc_ids), include=["metadatas"])
        return sorted({str(m.get("doc_id", "")) for m in got["metadatas"] if m and not m.get("typed")})

    def set_entities(self, chunks: Sequence[Chunk]) -> None:
        """Keep the named entities of stored ``chunks`` (their records updated in place: text, vector and the
        rest of the record unchanged)."""
        typed = [c for c in chunks if c.entities is not None]
        with self._lock:
            step = self._batch_size()
            for i in range(0, len(typed), step):
                part = typed[i : i + step]
                self._chunks.update(
                    ids=[c.chunk_id for c in part], metadatas=[entity_metadata(c) for c in part]
                )
            if typed:
                self._lexical.refresh()

    def lexical_index(self) -> LexicalIndex:
        """The BM25 index over every chunk (built or loaded now if needed)."""
        return self._lexical.get()

    def stamp(self) -> str:
        """What the chunk collection holds, in a few bytes: chunk count and the (sorted) document ids."""
        ids = sorted(self._documents.get(include=[])["ids"])
        return f"{self.count()}:" + hashlib.sha1("\n".join(ids).encode()).hexdigest()

    # -- writing -----------------------------------------------------------------------------------------
    def upsert(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        minhash: str = "",
    ) -> int:
        """Store one article, its chunks and their vectors; returns the number of chunks written."""
        return self.upsert_many([StoredArticle(document, chunks, vectors, minhash)])

    def upsert_many(self, articles: Sequence[StoredArticle]) -> int:
        """Store several articles in batches: every chunk first, then the article records."""
        for a in articles:
            if len(a.vectors) != len(a.chunks):
                raise ValueError(f"{a.document.doc_id}: {len(a.chunks)} chunks but {len(a.vectors)} vectors")
        with self._lock:
            self._remove_orphans_once()
            chunks = [
                (c, v, a.days[i] if a.days else ())
                for a in articles
                for i, (c, v) in enumerate(zip(a.chunks, a.vectors, strict=True))
            ]
            step = self._batch_size()
            for i in range(0, len(chunks), step):
                part = chunks[i : i + step]
                self._chunks.upsert(
                    ids=[c.chunk_id for c, _, _ in part],
                    embeddings=[list(map(float, v)) for _, v, _ in part],
                    documents=[c.text for c, _, _ in part],
                    metadatas=[chunk_metadata(c, days) for c, _, days in part],
                )
            for j in range(0, len(articles), step):  # written last: a listed document is a complete one
                docs = articles[j : j + step]
                self._documents.upsert(
                    ids=[a.document.doc_id for a in docs],
                    embeddings=[[1.0] for _ in docs],
                    documents=[a.document.text for a in docs],
                    metadatas=[
                        document_metadata(a.document, len(a.chunks), a.minhash, a.statements) for a in docs
                    ],
                )
            if articles:
                self._lexical.invalidate()
            return len(chunks)

    def set_sources(self, doc_id: str, sources: Sequence[str]) -> None:
        """Record every place an article came from (its own source first, then its syndicated copies)."""
        with self._lock:
            self._documents.update(ids=[doc_id], metadatas=[sources_metadata(sources)])

    def delete(self, doc_id: str) -> bool:
        """Remove one article and its chunks; ``False`` when it was not there."""
        with self._lock:
            existed = self.has_document(doc_id)
            self._documents.delete(ids=[doc_id])
            self._chunks.delete(where={"doc_id": doc_id})
            self._lexical.invalidate()
            return existed

    def _batch_size(self) -> int:
        try:
            return max(1, min(5000, int(self._client.get_max_batch_size())))
        except Exception:
            return 1000

    def _remove_orphans_once(self) -> None:
        """Orphans can only come from an ingest interrupted before this process opened the index."""
        if not self._orphans_checked:
            self._remove_orphans()
            self._orphans_checked = True

    def _remove_orphans(self) -> None:
        """Drop chunks whose document record is missing (left by an interrupted ingest)."""
        known = set(self._documents.get(include=[])["ids"])
        got = self._chunks.get(include=["metadatas"])
        orphans = [
            i
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
            if (m or {}).get("doc_id") not in known
        ]
        if orphans:
            log.warning("Removing %d chunk(s) left by an interrupted ingest", len(orphans))
            self._chunks.delete(ids=orphans)
