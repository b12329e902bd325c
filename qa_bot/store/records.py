"""How qa-bot's records look in Chroma: chunk and article metadata, and the filters over them.

Chroma metadata holds scalars and non-empty lists only, so an emptied list is stored as ``[""]`` and read back
as ``[]``; every such conversion lives here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

from qa_bot.dates import day_number
from qa_bot.types import ArticleFilter, Chunk, Document, DocumentSummary, Statement

__all__ = [
    "article_where",
    "chunk_from_record",
    "chunk_metadata",
    "document_metadata",
    "entities_from_lists",
    "entity_metadata",
    "listed",
    "site",
    "sources_metadata",
    "statements_from_metadata",
    "summary_from_record",
    "where_doc_ids",
]


def site(source: str) -> str:
    """The host name of a URL source (``www.`` dropped), else ``""``."""
    if "://" not in source:
        return ""
    return (urlparse(source).hostname or "").lower().removeprefix("www.")


def listed(values: Any) -> list[str]:
    """A stored list field without its ``""`` placeholder."""
    return [str(x) for x in (values or []) if x]


def chunk_metadata(c: Chunk, days: Sequence[int] = ()) -> dict[str, Any]:
    """A chunk record's metadata; ``days``: the days (``YYYYMMDD``) its sentences name, for date questions."""
    meta: dict[str, Any] = {"doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end}
    if days:
        meta["days"] = [int(d) for d in days]
    if c.sentences:
        meta["sentences"] = [
            int(x) for span in c.sentences for x in span
        ]  # flat: start, end, start, end, ...
    meta.update(entity_metadata(c))
    return meta


def entity_metadata(c: Chunk) -> dict[str, Any]:
    """The part of a chunk record's metadata that holds its named entities: ``typed`` when they were looked for,
    and those found (Chroma keeps no empty lists); empty when they were not looked for."""
    if c.entities is None:
        return {}
    meta: dict[str, Any] = {"typed": True}
    if c.entities:
        meta["entity_spans"] = [int(x) for a, b, _ in c.entities for x in (a, b)]
        meta["entity_labels"] = [str(label) for _, _, label in c.entities]
    return meta


def chunk_from_record(chunk_id: str, text: str, meta: Mapping[str, Any] | None) -> Chunk:
    meta = meta or {}
    flat = [int(x) for x in (meta.get("sentences") or [])]
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        text=text,
        sentences=tuple(zip(flat[::2], flat[1::2], strict=True)),
        entities=_entities(meta) if meta.get("typed") else None,
    )


def entities_from_lists(saved: Any) -> tuple[tuple[int, int, str], ...] | None:
    """A chunk's entities as JSON keeps them (``[[start, end, label], ...]``: the saved BM25 index, a LangChain
    document's metadata), ``None`` when they were not looked for."""
    return None if saved is None else tuple((int(a), int(b), str(label)) for a, b, label in saved)


def _entities(meta: Mapping[str, Any]) -> tuple[tuple[int, int, str], ...]:
    spans = [int(x) for x in (meta.get("entity_spans") or [])]
    labels = [str(x) for x in (meta.get("entity_labels") or [])]
    return tuple(zip(spans[::2], spans[1::2], labels, strict=True))


def statements_from_metadata(meta: Mapping[str, Any] | None) -> tuple[Statement, ...]:
    """The statements an article record carries (empty when none were kept)."""
    raw = (meta or {}).get("statements")
    return tuple(Statement.from_dict(d) for d in json.loads(raw)) if raw else ()


def sources_metadata(sources: Sequence[str]) -> dict[str, Any]:
    """``sources`` (unique, in order) and their ``sites``, with the ``[""]`` placeholder for an empty list."""
    unique = list(dict.fromkeys(s for s in sources if s))
    sites = sorted({h for h in map(site, unique) if h})
    return {"sources": unique or [""], "sites": sites or [""]}


def document_metadata(
    d: Document, n_chunks: int, minhash: str, statements: Sequence[Statement] = ()
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": d.title, "source": d.source, "n_chunks": n_chunks, "n_chars": len(d.text), "minhash": minhash,
    }  # fmt: skip
    if statements:
        meta["statements"] = json.dumps([s.to_dict() for s in statements], ensure_ascii=False)
    if d.source:
        meta.update(sources_metadata([d.source]))
    if d.published:
        meta["published"] = d.published
        meta["published_day"] = day_number(d.published, first=True)
        meta["published_source"] = d.published_source
    return meta


def summary_from_record(doc_id: str, meta: Mapping[str, Any] | None) -> DocumentSummary:
    meta = meta or {}
    source = str(meta.get("source", ""))
    sources = listed(meta["sources"]) if "sources" in meta else ([source] if source else [])
    return DocumentSummary(
        doc_id=doc_id,
        title=str(meta.get("title", "")),
        source=source,
        sources=tuple(sources),
        published=str(meta.get("published", "")),
        published_source=str(meta.get("published_source", "")),
        n_chunks=int(meta.get("n_chunks", 0)),
        n_chars=int(meta.get("n_chars", 0)),
    )


def article_where(f: ArticleFilter) -> dict[str, Any] | None:
    """The Chroma ``where`` clause over article records for a filter (``None``: every article)."""
    clauses: list[dict[str, Any]] = []
    if f.title:
        clauses.append({"title": f.title})
    if f.source:
        host = f.source.strip().lower().removeprefix("www.")
        clauses.append({"$or": [{"source": f.source}, {"sources": {"$contains": f.source}},
                                {"sites": {"$contains": host}}]})  # fmt: skip
    if f.since:
        clauses.append({"published_day": {"$gte": day_number(f.since, first=True)}})
    if f.until:
        clauses.append({"published_day": {"$lte": day_number(f.until, first=False)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def where_doc_ids(doc_ids: Sequence[str] | None) -> dict[str, Any] | None:
    """The Chroma ``where`` clause over chunk records of some articles (``None``: all)."""
    if not doc_ids:
        return None
    ids = list(doc_ids)
    return {"doc_id": ids[0]} if len(ids) == 1 else {"doc_id": {"$in": ids}}
