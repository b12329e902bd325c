"""Chunking: sentence spans (spaCy's ``senter``, the package's one sentence splitter for article text) packed into
overlapping chunks with offsets into the canonical text, and the named entities each chunk holds."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from qa_bot.ingest.clean import content_hash
from qa_bot.types import Chunk, Document

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["chunk_document", "find_entities", "split_sentences", "with_entities"]


def split_sentences(text: str, nlp: Language) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``. Line breaks always end a sentence."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            lines.append((offset, line))
        offset += len(line) + 1
    spans: list[tuple[int, int]] = []
    for (line_start, line), doc in zip(lines, _sentence_docs(nlp, [line for _, line in lines]), strict=True):
        for sent in doc.sents:
            s, e = sent.start_char, sent.end_char
            while s < e and line[s].isspace():
                s += 1
            while e > s and line[e - 1].isspace():
                e -= 1
            if e > s:
                spans.append((line_start + s, line_start + e))
    return spans


def _sentence_docs(nlp: Language, texts: list[str]) -> Iterable[Doc]:
    """Docs with sentence boundaries, by the cheapest component that sets them: the statistical sentence
    recogniser (``senter``, shipped disabled in the English models; about 30x faster than the parser, same
    boundaries on 93% of the dev-set lines), else the parser, else a rule-based sentencizer."""
    if "senter" in nlp.component_names:
        senter = nlp.get_pipe("senter")
        return senter.pipe(nlp.make_doc(t) for t in texts)
    wanted = [p for p in ("tok2vec", "parser", "sentencizer") if p in nlp.pipe_names]
    with nlp.select_pipes(enable=wanted):
        return list(nlp.pipe(texts))


def chunk_document(
    document: Document,
    sentences: Sequence[tuple[int, int]],
    *,
    max_chars: int = 600,
    overlap: int = 1,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most ``max_chars`` (a longer sentence is a chunk alone),
    each next chunk repeating the last ``overlap`` sentences of the one before."""
    chunks: list[Chunk] = []
    i = 0
    n = len(sentences)
    while i < n:
        j = i + 1
        while j < n and sentences[j][1] - sentences[i][0] <= max_chars:
            j += 1
        start, end = sentences[i][0], sentences[j - 1][1]
        text = document.text[start:end]
        spans = tuple((a - start, b - start) for a, b in sentences[i:j])
        chunks.append(
            Chunk(
                chunk_id=content_hash(document.doc_id, str(start), str(end), text)[:32],
                doc_id=document.doc_id,
                title=document.title,
                start=start,
                end=end,
                text=text,
                sentences=spans,
            )
        )
        if j >= n:
            break
        i = max(i + 1, j - overlap)
    return chunks


def find_entities(text: str, nlp: Language) -> list[tuple[int, int, str]] | None:
    """spaCy's named entities of an article's ``text`` as ``(start, end, label)`` offsets into it, found line by
    line (no entity runs across a line break) with the NER alone (no parse); ``None`` for a pipeline without NER."""
    if "ner" not in nlp.pipe_names:
        return None
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    skip = [p for p in nlp.pipe_names if p not in ("tok2vec", "ner")]
    docs = nlp.pipe((line for _, line in lines), disable=skip)
    return [(at + e.start_char, at + e.end_char, e.label_) for (at, _), doc in zip(lines, docs, strict=True)
            for e in doc.ents]  # fmt: skip


def with_entities(chunks: Sequence[Chunk], entities: Sequence[tuple[int, int, str]]) -> list[Chunk]:
    """``chunks`` of one article, each with the article's ``entities`` that lie inside it (offsets into it)."""
    out = []
    for c in chunks:
        inside = [
            (a - c.start, b - c.start, label) for a, b, label in entities if c.start <= a and b <= c.end
        ]
        out.append(replace(c, entities=tuple(inside)))
    return out
