"""Loading: files, directories, JSONL feeds and web pages -> :class:`Document` objects (validated, cleaned)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qa_bot.errors import IngestError
from qa_bot.ingest.clean import make_document
from qa_bot.types import Document

if TYPE_CHECKING:
    import httpx

    from qa_bot.ingest.fetch import Resolver

__all__ = [
    "SUPPORTED_SUFFIXES",
    "extract_html",
    "fetch_url",
    "load_inputs",
    "load_jsonl",
    "load_paths",
    "read_text_file",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".html", ".htm", ".jsonl")
HTML_SUFFIXES = (".html", ".htm")
MIN_HTML_WORDS = 8  # less main text than this on a web page is navigation or boilerplate, not an article


def read_text_file(path: Path, max_bytes: int) -> str:
    """Read one UTF-8 text file, refusing what is not an article with a clear message."""
    if not path.exists():
        raise IngestError(f"No such file or directory: {path}")
    if not path.is_file():
        raise IngestError(f"Not a regular file: {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(f"{path} is {size:,} bytes, over the {max_bytes:,}-byte limit.")
    data = path.read_bytes()
    if b"\x00" in data:
        raise IngestError(f"{path} looks like a binary file, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path} is not valid UTF-8 text (byte {exc.start}).") from None
    if not text.strip():
        raise IngestError(f"{path} is empty: nothing to ingest.")
    return text


def load_paths(
    paths: Iterable[str | Path], *, max_bytes: int = 5_000_000, title: str | None = None
) -> list[Document]:
    """Load ``.txt``/``.md`` files and directories of them (sorted, recursive) as documents.

    ``title`` names the article when exactly one file is loaded.

    Everything is read and validated before anything is returned, so one bad file stops the whole call
    before the index is touched.
    """
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
            if not found:
                raise IngestError(f"{path} holds no {'/'.join(SUPPORTED_SUFFIXES)} files.")
            files.extend(found)
        elif path.exists() and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise IngestError(f"{path}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)}).")
        else:
            files.append(path)
    if not files:
        raise IngestError("No files given.")
    if title is not None and len(files) != 1:
        raise IngestError(f"A title names one article, but {len(files)} files were given.")
    out = []
    for f in files:
        if f.suffix.lower() == ".jsonl":
            out.extend(load_jsonl(f, max_bytes))
            continue
        text = read_text_file(f, max_bytes)
        page_title = published = None
        if f.suffix.lower() in HTML_SUFFIXES:
            text, page_title, published = extract_html(text, source=str(f))
        out.append(
            make_document(
                text,
                title=title or page_title,
                source=str(f.resolve()),
                published=published,
                published_source="html",
            )
        )
    return out


def load_jsonl(path: Path, max_bytes: int) -> list[Document]:
    """One article per line: ``{"text": ..., "title"?: ..., "id"? | "url"? | "source"?: ..., "date"? | "published"?:
    ...}``. The id/url names the article across re-ingests (a changed text replaces the old one); by default it
    is FILE#LINE. The date is ISO 8601 (``2024-03-05`` or a timestamp)."""
    import json

    if not path.is_file():
        raise IngestError(f"No such file: {path}")
    docs = []
    with path.open("r", encoding="utf-8", errors="strict") as fh:
        try:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    raise IngestError(f"{path}:{n} is not a JSON object.") from None
                if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                    raise IngestError(f'{path}:{n} needs a "text" string.')
                if len(row["text"].encode("utf-8", "surrogatepass")) > max_bytes:
                    raise IngestError(f"{path}:{n} is over the {max_bytes:,}-byte limit.")
                key = row.get("id") or row.get("url") or row.get("source") or f"{path}#{n}"
                title = row.get("title") if isinstance(row.get("title"), str) else None
                date = row.get("date") or row.get("published") or row.get("published_at")
                docs.append(make_document(row["text"], title=title, source=str(key), published=date))
        except UnicodeDecodeError as exc:
            raise IngestError(f"{path} is not valid UTF-8 text (byte {exc.start}).") from None
    if not docs:
        raise IngestError(f"{path} holds no articles.")
    return docs


def extract_html(html: str, source: str = "") -> tuple[str, str | None, str | None]:
    """The main text of an HTML page (trafilatura: no navigation, ads or scripts), its title and its date."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=False)
    if not text or len(text.split()) < MIN_HTML_WORDS:  # a navigation bar ("Home") is not an article
        raise IngestError(f"{source or 'The page'} has no article text that could be extracted.")
    meta = trafilatura.extract_metadata(html)
    if meta is None:
        return text, None, None
    return text, meta.title or None, meta.date or None


def fetch_url(
    url: str,
    *,
    timeout: float = 15.0,
    max_bytes: int = 5_000_000,
    allow_private: bool = False,
    resolve: Resolver | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Document:
    """Download a web page and extract its article. Only public addresses are fetched, on every redirect hop
    (:mod:`qa_bot.ingest.fetch`), unless ``allow_private``; redirects followed up to 5 times."""
    import httpx

    from qa_bot.ingest.fetch import fetch_bytes, system_resolver

    if not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip()):
        raise IngestError("Give a web address starting with http:// or https://.")
    url = url.strip()
    try:
        body, kind, encoding = fetch_bytes(url, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private,
                                           resolve=resolve or system_resolver, transport=transport)  # fmt: skip
    except httpx.TimeoutException:
        raise IngestError(f"{url} did not answer within {timeout:g} s.") from None
    except httpx.HTTPError as exc:
        raise IngestError(f"Could not fetch {url}: {type(exc).__name__}.") from None
    encoding = encoding or "utf-8"
    try:
        raw = body.decode(encoding, errors="replace")
    except LookupError:
        raw = body.decode("utf-8", errors="replace")
    if "html" in kind or raw.lstrip()[:1] == "<":
        text, title, published = extract_html(raw, source=url)
    else:
        text, title, published = raw, None, None
    return make_document(text, title=title, source=url, published=published, published_source="html")


def load_inputs(
    paths: Sequence[str | Path | Sequence[str | Path]],
    *,
    max_bytes: int = 5_000_000,
    fetch_timeout: float = 15.0,
    title: str | None = None,
    allow_private: bool = False,
) -> list[Document]:
    """Files, directories, ``.jsonl`` feeds and ``http(s)://`` URLs (fetched, main text extracted; private
    addresses only when ``allow_private``), all read and validated before anything is returned; ``title`` names the
    article when exactly one file is given."""
    flat: list[str | Path] = []
    for p in paths:
        flat.extend(p if isinstance(p, (list, tuple)) else [p])  # type: ignore[list-item]
    urls = [p for p in flat if isinstance(p, str) and p.startswith(("http://", "https://"))]
    files = [p for p in flat if p not in urls]
    documents = [
        fetch_url(str(u), timeout=fetch_timeout, max_bytes=max_bytes, allow_private=allow_private)
        for u in urls
    ]
    if files or not urls:
        documents += load_paths(files, max_bytes=max_bytes, title=title)
    return documents
