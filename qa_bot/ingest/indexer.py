"""The ingest policy: which documents are stored, replaced, or recorded as copies; chunks embedded in batches.

For each incoming :class:`Document` (already loaded and cleaned by :mod:`qa_bot.ingest`):

- an article already stored (same canonical text) is skipped; if it was stored without its named entities (by a
  qa-bot from before they were kept), they are found now and kept with its chunks (:meth:`Indexer.retype` does
  that for every such article);
- an article whose source (file, URL, JSONL id) was stored with other text replaces that version (the new one is
  written first, then the old one deleted, so an interruption never loses the article);
- a syndicated copy of a stored article, or of one earlier in the same call (near-duplicate text, see
  :mod:`qa_bot.ingest.dedupe`), is not stored again: its source is added to that article's sources;
- everything else is split into sentences (a dateline, the line that only states the publication date, is left
  out: it is the article's date, not something the article says), chunked, embedded (``embed_batch_size`` chunks per model call) and
  written through :meth:`qa_bot.store.Store.upsert_many`, with who said what and the named entities of each
  chunk (spaCy's, found in a thread while the chunks embed).

Progress goes to an optional callback ``progress(done, total)``: the CLI draws a bar with it, the web app a
Gradio progress; nothing here prints.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from qa_bot.dates import dateline, days_named
from qa_bot.errors import InvalidInput
from qa_bot.ingest import chunk_document
from qa_bot.ingest.chunk import find_entities, with_entities
from qa_bot.ingest.dedupe import CopyFinder, encode_signature, signature
from qa_bot.ingest.statements import extract_statements
from qa_bot.store import Store, StoredArticle
from qa_bot.types import Chunk, Document, IngestReport, Statement

Entities = list[tuple[int, int, str]] | None  # an article's named entities (None: not looked for)

__all__ = ["Indexer", "Progress", "TextEmbedder"]

Progress = Callable[[int, int], None]
Splitter = Callable[[str], list[tuple[int, int]]]


class TextEmbedder(Protocol):
    def embed(self, texts: list[str], *, batch_size: int | None = None) -> Sequence[Sequence[float]]: ...


@dataclass
class _Batch:
    """One batch of documents on its way to the store."""

    new: list[tuple[Document, list[Chunk]]] = field(default_factory=list)
    replaces: dict[str, list[str]] = field(default_factory=dict)  # new doc id -> old versions it replaces
    extra: dict[str, list[str]] = field(default_factory=dict)  # doc id -> sources of its copies in this call
    retype: list[str] = field(default_factory=list)  # stored articles to find the named entities of


class Indexer:
    """Puts documents into a :class:`Store` (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        embedder: TextEmbedder,
        split: Splitter,
        *,
        copies: CopyFinder | None = None,
        parser: Callable[[], Any] | None = None,
        chunk_max_chars: int = 600,
        chunk_overlap_sentences: int = 1,
        embed_batch_size: int = 64,
        max_documents: int = 100_000,
        batch_documents: int = 32,
    ) -> None:
        if (
            chunk_max_chars <= 0
            or chunk_overlap_sentences < 0
            or embed_batch_size <= 0
            or batch_documents <= 0
        ):
            raise ValueError("chunk sizes and batch sizes must be positive")
        self.store = store
        self.embedder = embedder
        self.split = split
        # gives the spaCy pipeline, loaded when a new article is to be parsed (an ingest with nothing new loads
        # no spaCy): who said what is found once per article (None: not looked for)
        self.parser = parser
        self.copies = copies or CopyFinder(0.0, store.signatures, lambda i: store.document(i).text)
        self.chunk_max_chars = chunk_max_chars
        self.chunk_overlap_sentences = chunk_overlap_sentences
        self.embed_batch_size = embed_batch_size
        self.max_documents = max_documents
        self.batch_documents = batch_documents
        self._lock = threading.Lock()

    def index(self, documents: Iterable[Document], progress: Progress | None = None) -> IngestReport:
        """Store ``documents`` by the policy above; one :class:`IngestReport` for the whole call."""
        started = time.perf_counter()
        docs = list(documents)
        if len(docs) > self.max_documents:
            raise InvalidInput(
                f"{len(docs):,} articles in one ingest call; the limit is {self.max_documents:,}"
                " (setting max_articles_per_ingest): split the input."
            )
        counts = {"added": 0, "skipped": 0, "chunks": 0, "replaced": 0, "copies": 0, "retyped": 0}
        stored_as: dict[str, str] = {}  # a syndicated copy's id -> the article stored for it
        with self._lock:
            for i in range(0, len(docs), self.batch_documents):
                part = docs[i : i + self.batch_documents]
                batch = _Batch()
                for doc in part:
                    self._decide(doc, batch, counts, stored_as)
                self._write(batch, counts)
                if progress is not None:
                    progress(min(i + len(part), len(docs)), len(docs))
        return IngestReport(
            added_documents=counts["added"],
            skipped_documents=counts["skipped"],
            added_chunks=counts["chunks"],
            doc_ids=tuple(stored_as.get(d.doc_id, d.doc_id) for d in docs),
            titles=tuple(d.title for d in docs),
            seconds=round(time.perf_counter() - started, 3),
            replaced_documents=counts["replaced"],
            duplicate_documents=counts["copies"],
            retyped_documents=counts["retyped"],
        )

    def retype(self, doc_ids: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Find and keep the named entities of the stored articles (of ``doc_ids``; all when ``None``) whose chunks
        were stored without them; returns how many articles got them (none without a parser)."""
        with self._lock:
            return self._retype(self.store.untyped(doc_ids) if self.parser is not None else [], progress)

    def _retype(self, doc_ids: Sequence[str], progress: Progress | None = None) -> int:
        if not doc_ids or self.parser is None:
            return 0
        nlp, typed = self.parser(), []
        for n, doc_id in enumerate(doc_ids, 1):
            entities = find_entities(self.store.document(doc_id).text, nlp)
            if entities is None:  # a pipeline without NER: nothing to find
                return 0
            typed.extend(with_entities(self.store.chunks_of(doc_id), entities))
            if progress is not None:
                progress(n, len(doc_ids))
        self.store.set_entities(typed)
        return len(doc_ids)

    def remove(self, doc_id: str) -> bool:
        """Delete one article and its chunks; ``False`` when it was not there."""
        with self._lock:
            existed = self.store.delete(doc_id)
            self.copies.removed(doc_id)
            return existed

    def _decide(
        self, doc: Document, batch: _Batch, counts: dict[str, int], stored_as: dict[str, str]
    ) -> None:
        """Skip, record as a copy, or queue ``doc`` (as new, or replacing an older version of its source)."""
        store = self.store
        stored = store.has_document(doc.doc_id)
        if stored or any(doc.doc_id == d.doc_id for d, _ in batch.new):
            counts["skipped"] += 1
            if doc.source:
                batch.extra.setdefault(doc.doc_id, []).append(doc.source)
            if stored and self.parser is not None and store.untyped([doc.doc_id]):
                batch.retype.append(doc.doc_id)  # stored before named entities were kept: find them now
            return
        holders = store.documents_from(doc.source) if doc.source else []
        own = [h for h in holders if store.document(h).source == doc.source]
        if not own and holders and self.copies.enabled:
            # listed as a copy of a stored article: still a copy of it -> nothing changed
            found = self.copies.stored_copy(doc.text)
            if found is not None and found in holders:
                counts["skipped"] += 1
                stored_as[doc.doc_id] = found
                return
            for h in holders:  # that source now carries another story
                store.set_sources(h, [s for s in store.sources(h) if s != doc.source])
        if not own:
            original = self.copies.copy_of(doc.text, [(d.doc_id, d.text) for d, _ in batch.new])
            if original is not None:
                counts["copies"] += 1
                stored_as[doc.doc_id] = original
                if doc.source:
                    batch.extra.setdefault(original, []).append(doc.source)
                return
        sentences = self.split(doc.text)
        line = dateline(doc.text) if doc.published_source == "text" else None
        parts = [sentences]
        if line is not None:  # the dateline is the article's date, not something it says: not read as content
            parts = [
                [(a, b) for a, b in sentences if b <= line[1]],
                [(a, b) for a, b in sentences if a >= line[2]],
            ]
        chunks = [
            c
            for part in parts
            if part
            for c in chunk_document(
                doc, part, max_chars=self.chunk_max_chars, overlap=self.chunk_overlap_sentences
            )
        ]
        batch.new.append((doc, chunks))
        if own:
            batch.replaces[doc.doc_id] = own

    def _statements(self, docs: list[Document]) -> Future[list[tuple[list[Statement], Entities]]]:
        """Who said what in each of ``docs`` and its named entities (none, and not looked for, without a parser),
        found in a thread: spaCy runs on one core while the embedder works (PyTorch releases the interpreter lock
        in its kernels)."""
        parse = self.parser() if self.parser is not None and docs else None
        if parse is None:
            done: Future[list[tuple[list[Statement], Entities]]] = Future()
            done.set_result([([], None) for _ in docs])
            return done
        # the embedder's model loaded here first: two threads must not import one module at once
        getattr(self.embedder, "model", None)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-bot-statements")
        try:
            return pool.submit(
                lambda: [(extract_statements(d.text, parse), find_entities(d.text, parse)) for d in docs]
            )
        finally:
            pool.shutdown(wait=False)  # the task runs on; the pool takes no more

    def _write(self, batch: _Batch, counts: dict[str, int]) -> None:
        store = self.store
        if batch.new:
            texts = [c.text for _, cs in batch.new for c in cs]
            statements = self._statements([doc for doc, _ in batch.new])  # parsed while the chunks embed
            vectors = list(self.embedder.embed(texts, batch_size=self.embed_batch_size)) if texts else []
            articles, at = [], 0
            for (doc, cs), (said, entities) in zip(batch.new, statements.result(), strict=True):
                chunks = cs if entities is None else with_entities(cs, entities)
                sig = signature(doc.text)
                days = [days_named(c.text, doc.published or None) for c in cs]
                articles.append(
                    StoredArticle(doc, chunks, vectors[at : at + len(cs)], encode_signature(sig), days, said)
                )
                at += len(cs)
            counts["chunks"] += store.upsert_many(articles)
            counts["added"] += len(articles)
            for doc, _ in batch.new:
                self.copies.added(doc.doc_id, doc.text)
        counts["retyped"] += self._retype(list(dict.fromkeys(batch.retype)))
        for new_id, olds in batch.replaces.items():  # the new version is stored, now drop the old one
            carried = [s for old in olds for s in store.sources(old)]
            for old in olds:
                store.delete(old)
                self.copies.removed(old)
                counts["replaced"] += 1
            batch.extra.setdefault(new_id, []).extend(carried)
        for doc_id, more in batch.extra.items():
            listed = store.sources(doc_id)
            if any(s not in listed for s in more):
                store.set_sources(doc_id, listed + more)
