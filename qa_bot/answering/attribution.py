"""Attribution: from an answer back to the sentence of the stored article that says it.

Shared by the extractive answer stage (a span -> the sentence(s) holding it) and the LLM backend (an answer
sentence -> the sentence of a cited passage that shares most with it). Sentence boundaries come from one
splitter (spaCy's ``senter`` through :func:`qa_bot.ingest.split_sentences`), run at ingest and stored with each chunk,
so answering needs no spaCy; a chunk stored before they were kept is split on first use and remembered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from qa_bot.text import content_words, rule_sentences, stem
from qa_bot.types import Answer, Chunk, Citation, Document

__all__ = ["Attributor", "quoted_answer"]

Splitter = Callable[[str], list[tuple[int, int]]]


class Attributor:
    """Cites sentences of chunks with exact document offsets (``document.text[c.start:c.end] == c.text``)."""

    def __init__(self, split: Splitter | None = None, cache_size: int = 512) -> None:
        from cachetools import LRUCache, cached
        from cachetools.keys import hashkey

        self._split = split or rule_sentences
        self._cache: LRUCache[object, list[tuple[int, int]]] = LRUCache(maxsize=cache_size)
        self._sentences = cached(
            self._cache, key=lambda chunk: hashkey(chunk.chunk_id), lock=threading.Lock()
        )(lambda chunk: self._split(chunk.text) or [(0, len(chunk.text))])

    def sentences(self, chunk: Chunk) -> list[tuple[int, int]]:
        """Sentence spans of ``chunk.text`` (offsets into the chunk): the ones found at ingest and stored with the
        chunk, else split now, once per chunk (a thread-safe ``cachetools`` LRU cache keyed by chunk id)."""
        return list(chunk.sentences) if chunk.sentences else self._sentences(chunk)

    def cite_span(self, chunk: Chunk, start: int, end: int, score: float = 0.0) -> Citation:
        """The sentence(s) of ``chunk`` holding ``chunk.text[start:end]``."""
        spans = self.sentences(chunk)
        s = max((a for a, b in spans if a <= start), default=0)
        e = min((b for a, b in spans if b >= end), default=len(chunk.text))
        return self._citation(chunk, min(s, start), max(e, end), score)

    def best_sentence(self, chunk: Chunk, text: str) -> Citation:
        """The sentence of ``chunk`` that shares most content words with ``text`` (short ones preferred)."""
        want = {stem(w) for w in content_words(text)}
        best = (-1.0, 0, len(chunk.text))
        for a, b in self.sentences(chunk):
            piece = chunk.text[a:b]
            score = len(want & {stem(w) for w in content_words(piece)}) / (1 + 0.01 * len(piece))
            if score > best[0]:
                best = (score, a, b)
        return self._citation(chunk, best[1], best[2], 0.0)

    @staticmethod
    def _citation(chunk: Chunk, s: int, e: int, score: float) -> Citation:
        return Citation(
            chunk.doc_id, chunk.title, chunk.start + s, chunk.start + e, chunk.text[s:e], round(score, 4)
        )


def quoted_answer(
    question: str, document: Document, span: tuple[int, int], cited: tuple[int, int], meta: dict[str, object]
) -> Answer:
    """An answer that is ``document.text[span]``, cited by ``document.text[cited]`` (which holds it): what the
    question-form paths give (the lead sentence, a photo's credit, the byline, a part of a name), not scored by the
    reader (confidence 1)."""
    (start, end), (c_start, c_end) = span, cited
    said = document.text[start:end]
    citation = Citation(document.doc_id, document.title, c_start, c_end, document.text[c_start:c_end], 1.0)
    return Answer(question=question, text=said, abstained=False, citations=(citation,), confidence=1.0,
                  doc_id=document.doc_id, answer_start=start, answer_end=end, kind="span", quote=said,
                  meta=dict(meta))  # fmt: skip
