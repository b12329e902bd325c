"""Ingest stage: load files or text (:mod:`.load`), clean them to canonical text (:mod:`.clean`), split
sentences and chunk with offsets (:mod:`.chunk`).

Pure functions, no storage. Every offset refers to the canonical text, which is what the store keeps, so a
citation can always be checked with ``document.text[start:end]``.
"""

from qa_bot.ingest.chunk import chunk_document, split_sentences
from qa_bot.ingest.clean import clean_text, make_document
from qa_bot.ingest.load import (
    SUPPORTED_SUFFIXES,
    extract_html,
    fetch_url,
    load_inputs,
    load_jsonl,
    load_paths,
    read_text_file,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "chunk_document",
    "clean_text",
    "extract_html",
    "fetch_url",
    "load_inputs",
    "load_jsonl",
    "load_paths",
    "make_document",
    "read_text_file",
    "split_sentences",
]
