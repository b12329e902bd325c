"""Cleaning: raw article text -> canonical text (what the store keeps and every offset refers to), and the
:class:`Document` built from it."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from qa_bot.dates import dateline_date, iso_date
from qa_bot.errors import IngestError
from qa_bot.text import is_photo_caption
from qa_bot.types import Document

__all__ = ["clean_text", "content_hash", "make_document"]

# Horizontal whitespace of every kind (U+00A0 runs from scraped pages included) collapses to one space.
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
# Scraped pages glue a headline to the caption after it: "... before Israel massacreU.S. Secretary ...".
# A lowercase word running straight into a dotted abbreviation starts a new line.
_GLUE_ABBREVIATION = re.compile(r"(?<=[a-z]{2})(?=(?:[A-Z]\.){2,})")
# "(AP Photo/Yousef Masoud)Gazans" or "end.The": a missing space after a closing bracket or full stop.
_GLUE_SENTENCE = re.compile(r"(?<=[a-z][.!?)\]])(?=[A-Z][a-z])")


def clean_text(raw: str) -> str:
    """Canonical text: NFC, one space between words, lines kept, blank-line runs collapsed, glue split.

    Curly quotes, dashes and other punctuation are kept as they are.
    """
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _GLUE_ABBREVIATION.sub("\n", text)
    text = _GLUE_SENTENCE.sub(" ", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def content_hash(*parts: str) -> str:
    """A SHA-256 hex digest of the parts (ids of documents and chunks)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def make_document(
    raw_text: str,
    title: str | None = None,
    source: str = "",
    published: str | None = None,
    published_source: str = "feed",
) -> Document:
    """Clean ``raw_text`` into a :class:`Document`; ``doc_id`` is a hash of the canonical text.
    ``published`` (any ISO 8601 date or timestamp, from ``published_source``) is kept as ``YYYY-MM-DD``; without
    a readable one, a dateline in the text's first lines is taken (source ``"text"``); else there is none."""
    if not isinstance(raw_text, str):
        raise IngestError("Article text must be a string.")
    text = clean_text(raw_text)
    if not text:
        raise IngestError(f"{source or 'The article'} is empty: nothing to ingest.")
    title = clean_text(title or "").replace("\n", " ") or _guess_title(text, source)
    date, origin = iso_date(published), published_source
    if not date:
        date, origin = dateline_date(text), "text"
    return Document(
        doc_id=content_hash(text)[:16], title=title, text=text, source=source, published=date,
        published_source=origin if date else "",
    )  # fmt: skip


def _guess_title(text: str, source: str) -> str:
    first = text.split("\n", 1)[0].lstrip("# ").strip()
    if 0 < len(first) <= 120 and not first.endswith((".", ")")):
        return first
    stem = Path(source).stem if source else ""
    if stem and not re.search(r"[0-9a-f]{8,}", stem):
        return stem
    # a file named by a hash: the first line that is not a photo caption says more
    lines = [line for line in text.split("\n") if line.strip() and not is_photo_caption(line)]
    line = (lines or [first])[0]
    return line[:80].rstrip() + ("…" if len(line) > 80 else "")
