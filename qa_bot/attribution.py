"""Attribution: from an answer back to the sentence of the stored article that says it.

Shared by the extractive answer stage (a span -> the sentence(s) holding it) and the LLM backend (an answer
sentence -> the sentence of a cited passage that shares most with it). Sentence boundaries come from one
splitter (spaCy's ``senter`` through :func:`qa_bot.ingest.split_sentences`), remembered per chunk.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from qa_bot.text import is_stop_word, stem
from qa_bot.types import Chunk, Citation

__all__ = ["Attributor", "regex_sentences"]

Splitter = Callable[[str], list[tuple[int, int]]]
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")
_WORD = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)


def regex_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans by punctuation and line breaks: the fallback splitter when no spaCy pipeline is given."""
    spans, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[pos : m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text.rstrip())))
    return spans


class Attributor:
    """Cites sentences of chunks with exact document offsets (``document.text[c.start:c.end] == c.text``)."""

    def __init__(self, split: Splitter | None = None, cache_size: int = 512) -> None:
        self._split = split or regex_sentences
        self._cache: OrderedDict[str, list[tuple[int, int]]] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()

    def sentences(self, chunk: Chunk) -> list[tuple[int, int]]:
        """Sentence spans of ``chunk.text`` (offsets into the chunk), computed once per chunk."""
        with self._lock:
            found = self._cache.get(chunk.chunk_id)
            if found is not None:
                self._cache.move_to_end(chunk.chunk_id)
                return found
        found = self._split(chunk.text) or [(0, len(chunk.text))]
        with self._lock:
            self._cache[chunk.chunk_id] = found
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return found

    def cite_span(self, chunk: Chunk, start: int, end: int, score: float = 0.0) -> Citation:
        """The sentence(s) of ``chunk`` holding ``chunk.text[start:end]``."""
        spans = self.sentences(chunk)
        s = max((a for a, b in spans if a <= start), default=0)
        e = min((b for a, b in spans if b >= end), default=len(chunk.text))
        return self._citation(chunk, min(s, start), max(e, end), score)

    def best_sentence(self, chunk: Chunk, text: str) -> Citation:
        """The sentence of ``chunk`` that shares most content words with ``text`` (short ones preferred)."""
        want = {stem(w) for w in _content(text)}
        best = (-1.0, 0, len(chunk.text))
        for a, b in self.sentences(chunk):
            piece = chunk.text[a:b]
            score = len(want & {stem(w) for w in _content(piece)}) / (1 + 0.01 * len(piece))
            if score > best[0]:
                best = (score, a, b)
        return self._citation(chunk, best[1], best[2], 0.0)

    @staticmethod
    def _citation(chunk: Chunk, s: int, e: int, score: float) -> Citation:
        return Citation(
            chunk.doc_id, chunk.title, chunk.start + s, chunk.start + e, chunk.text[s:e], round(score, 4)
        )


def _content(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if not is_stop_word(w)]
