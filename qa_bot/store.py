"""Store stage: Chroma (embedded ``PersistentClient``, cosine space) plus an in-memory BM25 lexical index.

Two Chroma collections live in the index directory:

- ``qa_bot_chunks``: one record per chunk: embedding, chunk text, ``{doc_id, title, start, end}``;
- ``qa_bot_documents``: one record per article: the full canonical text and ``{title, source, sources, sites,
  published, published_day, n_chunks, n_chars, minhash}`` (``sources``: every place the story came from, its
  syndicated copies' included; ``sites``: their host names; ``published_day``: the date as an int YYYYMMDD for
  range filters; ``minhash``: its near-duplicate signature). Chroma needs a vector per record; these carry a
  constant 1-d placeholder and are never searched by vector.

A document record is written only after all its chunks, so a document that is listed is complete; chunks of
an unlisted document (an interrupted ingest) are removed before the next write. Chunk ids are content hashes,
so writing the same article twice changes nothing.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_bot.errors import IndexUnavailable, InvalidInput, QABotError
from qa_bot.text import tokenize
from qa_bot.types import ArticleFilter, Chunk, Document

if TYPE_CHECKING:
    from qa_bot.models import Embedder

__all__ = ["INDEX_MARKER", "LexicalIndex", "Store"]

log = logging.getLogger(__name__)

INDEX_MARKER = "qa_bot_index.json"
INDEX_FORMAT = 1
CHUNKS = "qa_bot_chunks"
DOCUMENTS = "qa_bot_documents"
_PAGE = 5000


class LexicalIndex:
    """BM25 (``bm25s``) over chunk texts. Saved beside the Chroma files (``lexical/``) with a stamp of the
    collection it was built from; rebuilt from Chroma when the stamp differs (after a crash, or another
    process's writes), never per query."""

    def __init__(
        self, chunks: Sequence[Chunk], _built: tuple[Any, dict[str, int], dict[str, int]] | None = None
    ):
        import bm25s

        self.chunks = list(chunks)
        self._bm25 = None
        self._vocab: dict[str, int] = {}
        self._df: collections.Counter[str] = collections.Counter()
        if _built is not None:
            self._bm25, self._vocab, df = _built
            self._df.update(df)
        elif self.chunks:
            corpus = [tokenize(c.text) or ["\x00"] for c in self.chunks]
            for doc in corpus:
                self._df.update(set(doc))
            self._bm25 = bm25s.BM25()
            ids = [[self._vocab.setdefault(t, len(self._vocab)) for t in doc] for doc in corpus]
            self._bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self._vocab), show_progress=False)

    def save(self, directory: Path, stamp: str) -> None:
        """Write the index (atomically: a temp dir renamed into place)."""
        import shutil
        import tempfile

        if self._bm25 is None:
            return
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".lexical-", dir=directory.parent))
        try:
            self._bm25.save(str(tmp / "bm25"), show_progress=False)
            meta = {
                "stamp": stamp,
                "vocab": self._vocab,
                "df": dict(self._df),
                "chunks": [[c.chunk_id, c.doc_id, c.title, c.start, c.end, c.text] for c in self.chunks],
            }
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
            old = directory.with_name(directory.name + ".old")
            if directory.exists():
                directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # a read-only index still answers; it just rebuilds in memory next time
            log.warning("Could not save the lexical index: %s", exc)
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, stamp: str) -> LexicalIndex | None:
        """The saved index if it was built from the collection ``stamp`` describes, else ``None``."""
        import bm25s

        try:
            meta = json.loads((directory / "meta.json").read_text("utf-8"))
            if meta.get("stamp") != stamp:
                return None
            bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False)
        except (OSError, ValueError, KeyError):
            return None
        chunks = [Chunk(i, d, t, int(s), int(e), x) for i, d, t, s, e, x in meta["chunks"]]
        return cls(chunks, _built=(bm25, meta["vocab"], meta["df"]))

    def idf(self, token: str) -> float:
        """Smoothed inverse chunk frequency of a stem: rare words weigh more when matching a question."""
        n = len(self.chunks)
        return math.log(1.0 + (n + 1) / (self._df.get(token, 0) + 0.5))

    def search(
        self, query: str, n: int, allowed: Callable[[Chunk], bool] | None = None
    ) -> list[tuple[Chunk, float]]:
        if self._bm25 is None:
            return []
        tokens = [self._vocab[t] for t in tokenize(query) if t in self._vocab]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        order = (-scores).argsort(kind="stable")  # best first; on a tie, the earlier text
        out: list[tuple[Chunk, float]] = []
        for i in order:
            if scores[i] <= 0 or len(out) >= n:
                break
            chunk = self.chunks[int(i)]
            if allowed is None or allowed(chunk):
                out.append((chunk, float(scores[i])))
        return out


class Store:
    """A persistent qa-bot index in ``index_dir`` (created when missing or empty)."""

    def __init__(
        self,
        index_dir: str | os.PathLike[str],
        embedder: Embedder | None = None,
        chroma_url: str | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url or None
        self._embedder = embedder
        self._lock = threading.RLock()
        self._lexical: LexicalIndex | None = None
        self._files_seen: list[Any] = []
        self._near: Any = None  # NearDuplicates over the stored documents, built on first use
        if self.chroma_url is None:
            self._check_dir()
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            settings = ChromaSettings(anonymized_telemetry=False)
            if self.chroma_url is None:
                self._client = chromadb.PersistentClient(path=str(self.index_dir), settings=settings)
            else:
                self._client = _http_client(self.chroma_url, settings)
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
            raise IndexUnavailable(f"Cannot open {where}: {_first_line(exc)}") from exc
        if self.chroma_url is None:
            self._write_marker()

    # -- opening -----------------------------------------------------------------------------------------
    def _check_dir(self) -> None:
        d = self.index_dir
        if d.exists() and not d.is_dir():
            raise IndexUnavailable(f"{d} is a file, not an index directory.")
        marker = d / INDEX_MARKER
        if d.is_dir() and any(d.iterdir()):
            if not marker.is_file():
                raise IndexUnavailable(
                    f"{d} is not a qa-bot index (it has files but no {INDEX_MARKER}); use a new or empty directory."
                )
            try:
                info = json.loads(marker.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise IndexUnavailable(f"{marker} is unreadable: {exc}") from exc
            if info.get("format") != INDEX_FORMAT:
                raise IndexUnavailable(
                    f"{d} has index format {info.get('format')!r}; this qa-bot reads {INDEX_FORMAT}."
                )
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexUnavailable(f"Cannot create the index directory {d}: {exc.strerror or exc}") from exc

    def _write_marker(self) -> None:
        from qa_bot.models import EMBEDDING_MODEL_NAME

        marker = self.index_dir / INDEX_MARKER
        if not marker.exists():
            try:
                marker.write_text(
                    json.dumps({"format": INDEX_FORMAT, "embedding_model": EMBEDDING_MODEL_NAME}) + "\n"
                )
            except OSError as exc:
                raise IndexUnavailable(
                    f"Cannot write to the index directory {self.index_dir}: {exc}"
                ) from exc

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from qa_bot.models import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    # -- reading -----------------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of stored chunks."""
        return self._chunks.count()

    def has_document(self, doc_id: str) -> bool:
        return bool(self._documents.get(ids=[doc_id], include=[])["ids"])

    def document(self, doc_id: str) -> Document:
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
        )

    def documents(self, doc_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """One summary per stored article: ``doc_id``, ``title``, ``source``, ``sources``, ``published``,
        ``n_chunks``, ``n_chars``; sorted by title."""
        got = self._documents.get(ids=list(doc_ids) if doc_ids else None, include=["metadatas"])
        rows = []
        for i, m in zip(got["ids"], got["metadatas"], strict=True):
            row = {k: v for k, v in (m or {}).items() if k not in {"minhash", "sites", "published_day"}}
            row.setdefault("sources", [row["source"]] if row.get("source") else [])
            row["sources"] = [
                x for x in row["sources"] if x
            ]  # "" marks an emptied list (Chroma keeps the key)
            rows.append({"doc_id": i, **row})
        return sorted(rows, key=lambda r: (str(r.get("title", "")), r["doc_id"]))

    def documents_from(self, source: str) -> list[str]:
        """Ids of the stored articles that came from ``source`` (a file path, URL or JSONL id), as their own
        text or as a syndicated copy listed on them."""
        where = {"$or": [{"source": source}, {"sources": {"$contains": source}}]}
        return list(self._documents.get(where=where, include=[])["ids"])

    def find_documents(self, where: ArticleFilter) -> list[str]:
        """Ids of the stored articles matching the filter (a Chroma metadata filter on the article records)."""
        clauses: list[dict[str, Any]] = []
        if where.title:
            clauses.append({"title": where.title})
        if where.source:
            site = where.source.strip().lower().removeprefix("www.")
            clauses.append({"$or": [{"source": where.source}, {"sources": {"$contains": where.source}},
                                    {"sites": {"$contains": site}}]})  # fmt: skip
        if where.since:
            clauses.append({"published_day": {"$gte": _day(where.since, first=True)}})
        if where.until:
            clauses.append({"published_day": {"$lte": _day(where.until, first=False)}})
        if not clauses:
            return list(self._documents.get(include=[])["ids"])
        query = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        return list(self._documents.get(where=query, include=[])["ids"])

    # -- syndicated copies -------------------------------------------------------------------------------
    def _near_duplicates(self, threshold: float) -> Any:
        from qa_bot.dedupe import NearDuplicates, decode_signature, signature

        with self._lock:
            if self._near is None or self._near.threshold != threshold:
                near = NearDuplicates(threshold)
                got = self._documents.get(include=["metadatas"])
                missing = []
                for i, m in zip(got["ids"], got["metadatas"], strict=True):
                    try:
                        near.add(i, decode_signature(str((m or {})["minhash"])))
                    except (KeyError, ValueError):
                        missing.append(i)
                for i in missing:  # records written before signatures were stored
                    near.add(i, signature(self.document(i).text))
                self._near = near
            return self._near

    def near_duplicate(self, text: str, threshold: float) -> tuple[str, float] | None:
        """The stored article that ``text`` is a syndicated copy of (and the estimated Jaccard), if any."""
        from qa_bot.dedupe import signature

        return self._near_duplicates(threshold).find(signature(text))

    def sources(self, doc_id: str) -> list[str]:
        got = self._documents.get(ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            return []
        meta = got["metadatas"][0] or {}
        if "sources" in meta:
            return [x for x in meta["sources"] if x]
        return [str(meta["source"])] if meta.get("source") else []

    def set_sources(self, doc_id: str, sources: Sequence[str]) -> None:
        """Record every place an article came from (its own source first, then its syndicated copies)."""
        unique = list(dict.fromkeys(s for s in sources if s))
        meta: dict[str, Any] = {"sources": unique or [""]}  # Chroma takes no empty list
        sites = sorted({h for h in map(_site, unique) if h})
        meta["sites"] = sites or [""]
        with self._lock:
            self._documents.update(ids=[doc_id], metadatas=[meta])

    def all_chunks(self) -> list[Chunk]:
        out: list[Chunk] = []
        offset = 0
        while True:
            got = self._chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            out.extend(
                _to_chunk(i, t, m)
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
        where = _where(doc_ids)
        res = self._chunks.query(  # n may exceed the collection: Chroma returns what there is
            query_embeddings=[list(map(float, query_embedding))],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (_to_chunk(i, t, m), 1.0 - float(d))
            for i, t, m, d in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
        ]

    def _stamp(self) -> str:
        """What the chunk collection holds, in a few bytes: chunk count and the (sorted) document ids."""
        import hashlib

        ids = sorted(self._documents.get(include=[])["ids"])
        return f"{self.count()}:" + hashlib.sha1("\n".join(ids).encode()).hexdigest()

    def _lexical_index(self, check: bool = True) -> LexicalIndex:
        """The BM25 index; ``check``: first make sure no other process changed the collection (one count,
        done once per search; the per-word IDF lookups of the same question skip it)."""
        with self._lock:
            if (
                check
                and self._lexical is not None
                and self._files_changed()  # count is O(chunks): only when the files changed
                and len(self._lexical.chunks) != self.count()
            ):
                self._lexical = None  # another process changed the collection
            if self._lexical is None:
                stamp = self._stamp()
                saved = self.index_dir / "lexical"
                lexical = LexicalIndex.load(saved, stamp) if self.chroma_url is None else None
                if lexical is None:
                    lexical = LexicalIndex(self.all_chunks())
                    if self.chroma_url is None:
                        lexical.save(saved, stamp)
                self._lexical = lexical
            return self._lexical

    def _files_changed(self) -> bool:
        """Whether the index files changed since the last look (any process's write changes them); always
        true for a Chroma server, which has no files here."""
        if self.chroma_url is not None:
            return True
        seen = []
        for name in ("chroma.sqlite3", "chroma.sqlite3-wal"):
            try:
                st = (self.index_dir / name).stat()
                seen.append((st.st_mtime_ns, st.st_size))
            except OSError:
                seen.append(None)
        changed = seen != self._files_seen
        self._files_seen = seen
        return changed

    def idf(self, token: str) -> float:
        """IDF of a stem over the chunks of this index (see :meth:`LexicalIndex.idf`)."""
        return self._lexical_index(check=False).idf(token)

    def lexical_search(
        self, query: str, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Best chunks by BM25, best first."""
        lexical = self._lexical_index()
        allowed = None if not doc_ids else (lambda c, ids=frozenset(doc_ids): c.doc_id in ids)
        return lexical.search(query, n, allowed)

    # -- writing -----------------------------------------------------------------------------------------
    def add_document(
        self, document: Document, chunks: Sequence[Chunk], *, show_progress: bool = False
    ) -> int:
        """Store a document and its chunks; returns the number of chunks written (0 if already stored)."""
        return self.add_documents([(document, chunks)], show_progress=show_progress)

    def add_documents(
        self,
        items: Sequence[tuple[Document, Sequence[Chunk]]],
        *,
        show_progress: bool = False,
        embeddings: Sequence[Sequence[float]] | None = None,
    ) -> int:
        """Store several documents, embedding all their chunks in batches together; returns chunks written.
        Documents already stored are skipped. ``embeddings`` (one per chunk, in order) skips the model."""
        with self._lock:
            self._remove_orphans_once()
            new: list[tuple[Document, list[Chunk]]] = []
            given: list[Sequence[float]] = []
            at = 0
            seen: set[str] = set()
            for d, cs in items:
                if d.doc_id not in seen and not self.has_document(d.doc_id):
                    seen.add(d.doc_id)
                    new.append((d, list(cs)))
                    if embeddings is not None:
                        given.extend(embeddings[at : at + len(cs)])
                at += len(cs)
            chunks = [c for _, cs in new for c in cs]
            if not new:
                return 0
            if embeddings is None:
                vectors: Any = self.embedder.embed([c.text for c in chunks], show_progress=show_progress)
            else:
                vectors = given
            step = self._batch_size()
            for i in range(0, len(chunks), step):
                part = chunks[i : i + step]
                self._chunks.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=[list(map(float, e)) for e in vectors[i : i + step]],
                    documents=[c.text for c in part],
                    metadatas=[
                        {"doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end} for c in part
                    ],
                )
            # Written last: a listed document is a complete document.
            from qa_bot.dedupe import encode_signature, signature

            for j in range(0, len(new), step):
                docs = new[j : j + step]
                sigs = [signature(d.text) for d, _ in docs]
                self._documents.upsert(
                    ids=[d.doc_id for d, _ in docs],
                    embeddings=[[1.0] for _ in docs],
                    documents=[d.text for d, _ in docs],
                    metadatas=[
                        _document_meta(d, len(cs), encode_signature(m))
                        for (d, cs), m in zip(docs, sigs, strict=True)
                    ],
                )
                if self._near is not None:
                    for (d, _), m in zip(docs, sigs, strict=True):
                        self._near.add(d.doc_id, m)
            self._lexical = None
            return len(chunks)

    def _batch_size(self) -> int:
        try:
            return max(1, min(5000, int(self._client.get_max_batch_size())))
        except Exception:
            return 1000

    def delete_document(self, doc_id: str) -> bool:
        with self._lock:
            existed = self.has_document(doc_id)
            self._documents.delete(ids=[doc_id])
            self._chunks.delete(where={"doc_id": doc_id})
            self._lexical = None
            if self._near is not None:
                self._near.remove(doc_id)
            return existed

    def _remove_orphans_once(self) -> None:
        """Orphans can only come from an ingest interrupted before this process opened the index."""
        if not getattr(self, "_orphans_checked", False):
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


def _http_client(url: str, settings: Any) -> Any:
    """``chromadb.HttpClient`` for ``http(s)://host:port``."""
    from urllib.parse import urlparse

    import chromadb

    parsed = urlparse(url if "://" in url else "http://" + url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise IndexUnavailable(f"chroma_url must look like http://HOST:PORT, got {url!r}")
    ssl = parsed.scheme == "https"
    port = parsed.port or (443 if ssl else 8000)
    client = chromadb.HttpClient(host=parsed.hostname, port=port, ssl=ssl, settings=settings)
    client.heartbeat()  # fail now, with a clear message, if nothing answers there
    return client


def _site(source: str) -> str:
    """The host name of a URL source (``www.`` dropped), else ``""``."""
    from urllib.parse import urlparse

    if "://" not in source:
        return ""
    host = (urlparse(source).hostname or "").lower()
    return host.removeprefix("www.")


def _document_meta(d: Document, n_chunks: int, minhash: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": d.title, "source": d.source, "n_chunks": n_chunks, "n_chars": len(d.text), "minhash": minhash,
    }  # fmt: skip
    if d.source:
        meta["sources"] = [d.source]
        if _site(d.source):
            meta["sites"] = [_site(d.source)]
    if d.published:
        meta["published"] = d.published
        meta["published_day"] = _day(d.published, first=True)
    return meta


def _day(value: str, *, first: bool) -> int:
    """``YYYY[-MM[-DD]]`` as an int YYYYMMDD: the first (or last) day of a year or month given alone."""
    import calendar
    import datetime as dt

    text = str(value).strip()[:10]
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 1:
            y, m, d = parts[0], (1 if first else 12), (1 if first else 31)
        elif len(parts) == 2:
            y, m = parts
            d = 1 if first else calendar.monthrange(y, m)[1]
        elif len(parts) == 3:
            y, m, d = parts
        else:
            raise ValueError(text)
        day = dt.date(y, m, d)
    except (ValueError, TypeError):
        raise InvalidInput(f"{value!r} is not a date: use YYYY-MM-DD (or YYYY-MM, YYYY).") from None
    return day.year * 10000 + day.month * 100 + day.day


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def _where(doc_ids: Sequence[str] | None) -> dict[str, Any] | None:
    if not doc_ids:
        return None
    ids = list(doc_ids)
    return {"doc_id": ids[0]} if len(ids) == 1 else {"doc_id": {"$in": ids}}


def _to_chunk(chunk_id: str, text: str, meta: dict[str, Any] | None) -> Chunk:
    meta = meta or {}
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        text=text,
    )
