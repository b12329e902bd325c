"""Opening an index: the marker file that makes a directory a qa-bot index (its format and embedding model),
checked before Chroma touches the directory, and the client of a Chroma server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qa_bot.errors import IndexUnavailable

__all__ = ["INDEX_FORMAT", "INDEX_MARKER", "check_index_dir", "first_line", "http_client", "write_marker"]

INDEX_MARKER = "qa_bot_index.json"
INDEX_FORMAT = 1


def check_index_dir(d: Path) -> None:
    """Refuse a directory that is not a qa-bot index of this format (a file, or one with other files in it);
    create it when missing."""
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


def write_marker(d: Path) -> None:
    """Mark ``d`` as a qa-bot index (once: an existing marker is kept)."""
    from qa_bot.models import EMBEDDING_MODEL_NAME

    marker = d / INDEX_MARKER
    if not marker.exists():
        try:
            marker.write_text(
                json.dumps({"format": INDEX_FORMAT, "embedding_model": EMBEDDING_MODEL_NAME}) + "\n"
            )
        except OSError as exc:
            raise IndexUnavailable(f"Cannot write to the index directory {d}: {exc}") from exc


def http_client(url: str, settings: Any) -> Any:
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


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none), at most 300 characters."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]
