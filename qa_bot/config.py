"""Every knob in one place: explicit arguments > ``QA_BOT_*`` environment variables > defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from qa_bot.errors import InvalidInput

__all__ = ["DEFAULT_INDEX_DIR", "SEED_ARTICLE", "Settings"]

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX_DIR = "indexes/default"
SEED_ARTICLE = PACKAGE_ROOT / "seeds" / "000_63f53ac7bfb7b5fd.txt"
ENV_PREFIX = "QA_BOT_"


@dataclass(frozen=True)
class Settings:
    """Runtime settings. Build with :meth:`Settings.load` to honour ``QA_BOT_<FIELD>`` env vars."""

    index_dir: str = DEFAULT_INDEX_DIR
    #: A Chroma server (``chroma run --path DIR --port P``) instead of the embedded index in index_dir.
    chroma_url: str = ""
    #: Chunking: greedy packing of whole sentences up to this many characters, with sentence overlap.
    chunk_max_chars: int = 600
    chunk_overlap_sentences: int = 1
    #: Retrieval: passages handed to the answerer, candidates fetched from each side, RRF constant.
    k: int = 4
    fetch_k: int = 20
    rrf_k: int = 60
    #: Answering: below this confidence (the fitted probability that the answer is right) the bot says
    #: "The article doesn't say." 0.5 is the fitted decision point; higher = more cautious.
    abstain_threshold: float = 0.5
    #: The trained reader: a directory holding reader.safetensors and calibration.json ("" = the shipped one).
    reader_dir: str = ""
    #: The reader's arithmetic: "auto" (bf16 where the CPU has AMX or AVX512-BF16, else fp32), "fp32", "bf16" or
    #: "int8" (dynamic quantisation: fastest, but measured 3-6 F1 points worse on the dev sets).
    reader_precision: str = "auto"
    #: Optional LLM backend: "openai:MODEL" (any OpenAI-compatible server at llm_base_url) or
    #: "ollama:MODEL"; empty = extractive only. Timeout in seconds; an answer failing verification is
    #: replaced by the extractive one ("fallback") or shown uncited and marked unverified ("mark").
    #: llm_rewrite lets the LLM rewrite follow-ups into standalone questions.
    llm: str = ""
    llm_base_url: str = ""
    llm_timeout: float = 30.0
    llm_on_unverified: str = "fallback"
    llm_rewrite: bool = False
    llm_max_tokens: int = 256
    #: Syndicated copies: an article whose text is at least this similar (MinHash estimate of the Jaccard
    #: similarity of word 5-grams) to a stored one is not stored again; its source is added to that one.
    #: 0 switches detection off.
    dedupe_threshold: float = 0.85
    #: Input limits.
    max_question_chars: int = 2000
    max_file_bytes: int = 5_000_000
    max_articles_per_ingest: int = 100_000  # one ingest call (files, a directory, a JSONL feed)
    fetch_timeout: float = 15.0  # seconds for fetching an article from a URL
    embed_batch_size: int = 64

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then env vars, then the non-``None`` keyword arguments."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw.strip() != "":
                values[f.name] = _parse(f.name, raw, type(getattr(cls, f.name)))
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise InvalidInput(f"Unknown setting(s): {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def with_(self, **changes: Any) -> Settings:
        settings = replace(self, **changes)
        settings.validate()
        return settings

    def validate(self) -> None:
        positive = (
            "chunk_max_chars", "k", "fetch_k", "rrf_k", "max_question_chars", "max_file_bytes", "llm_max_tokens",
        "max_articles_per_ingest", "fetch_timeout",
        )  # fmt: skip
        for name in positive:
            if getattr(self, name) <= 0:
                raise InvalidInput(f"Setting {name} must be positive, got {getattr(self, name)!r}")
        if self.chunk_overlap_sentences < 0:
            raise InvalidInput("Setting chunk_overlap_sentences must be >= 0")
        if self.llm_timeout <= 0:
            raise InvalidInput("Setting llm_timeout must be positive")
        if self.llm_on_unverified not in {"fallback", "mark"}:
            raise InvalidInput("Setting llm_on_unverified must be 'fallback' or 'mark'")
        if self.llm and ":" not in self.llm:
            raise InvalidInput(f"Setting llm={self.llm!r} must look like 'openai:MODEL' or 'ollama:MODEL'")
        if not 0.0 <= self.dedupe_threshold <= 1.0:
            raise InvalidInput("Setting dedupe_threshold must be between 0 and 1 (0 = off)")
        if self.reader_precision not in {"auto", "fp32", "bf16", "int8"}:
            raise InvalidInput("Setting reader_precision must be 'auto', 'fp32', 'bf16' or 'int8'")
        if not 0.0 <= self.abstain_threshold <= 1.0:
            raise InvalidInput("Setting abstain_threshold must be between 0 and 1")


def _parse(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except ValueError:
        raise InvalidInput(
            f"Environment variable {ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}"
        ) from None
