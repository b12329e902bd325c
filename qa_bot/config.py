"""Every knob in one place: explicit arguments > ``QA_BOT_*`` environment variables > defaults."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qa_bot.errors import InvalidInput

__all__ = [
    "DEFAULT_INDEX_DIR",
    "ON_UNVERIFIED",
    "PRECISIONS",
    "RUNTIMES",
    "SEED_ARTICLE",
    "OnUnverified",
    "Precision",
    "Runtime",
    "Settings",
]

#: The options with a fixed set of values, each named once: Settings checks them, the components that take them check
#: them with the same tuple, and the CLI offers the same choices.
Precision = Literal["auto", "fp32", "bf16", "int8"]
OnUnverified = Literal["fallback", "mark"]
Runtime = Literal["onnx", "torch"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
RUNTIMES: tuple[str, ...] = get_args(Runtime)
ON_UNVERIFIED: tuple[str, ...] = get_args(OnUnverified)

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX_DIR = "indexes/default"
SEED_ARTICLE = PACKAGE_ROOT / "seeds" / "000_63f53ac7bfb7b5fd.txt"
ENV_PREFIX = "QA_BOT_"
_RATE = re.compile(r"^\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?\s*$", re.IGNORECASE)
_POSITIVE = ("chunk_max_chars", "k", "fetch_k", "rrf_k", "max_question_chars", "max_file_bytes", "llm_max_tokens",
             "max_articles_per_ingest", "fetch_timeout", "llm_timeout", "embed_batch_size")  # fmt: skip


class Settings(BaseSettings):
    """Runtime settings: keyword arguments, then ``QA_BOT_<FIELD>`` environment variables, then these defaults
    (``pydantic-settings``). Immutable; :meth:`with_` makes a changed copy. A bad value is an
    :class:`InvalidInput` naming the setting (or the environment variable) and what it takes."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="forbid"
    )

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
    #: A yes / no is given only when the fitted answer-kind decision puts it at least this likely; below, the reply
    #: is the article's words without a verdict. 0.5: a verdict more likely wrong than right is never given.
    verdict_threshold: float = 0.5
    #: A polarity reader (``qa-bot train-polarity``: the reader fine-tuned to tell "yes" from "no",
    #: :mod:`qa_bot.answering.polarity`) to read a yes / no answer's polarity with, beside the answer-kind decision's
    #: own model ("" = none). Better on stories (CoQA's exam and children's: 70 % against 66 % right), not on news.
    polarity_dir: str = ""
    #: Find who said what and the named entities in each article at ingest (spaCy's parser and NER, in a thread
    #: beside the embedder: about +15 % ingest time); without it an article has no statements to show or to answer
    #: from, and its answers are not typed (:mod:`qa_bot.answering.answer_types`).
    find_statements: bool = True
    #: A question about something said ("Who denied ...?") is also read against the article's statements, each
    #: joined with its speaker (found at ingest): a speaker named a sentence away from the words is found.
    use_statements: bool = True
    #: Mend a question's misspelt words before it is read ("did he tesitfy?" → "did he testify?", shown as what the
    #: question was understood as): a word in neither the articles nor an English dictionary, one edit from one
    #: that is (:mod:`qa_bot.conversation.spelling`).
    respell: bool = True
    #: The trained reader: a directory holding reader.safetensors and calibration.json ("" = the shipped one).
    reader_dir: str = ""
    #: The reader's arithmetic: "auto" (int8 through ONNX Runtime where the reader's int8 ranges are fitted, else
    #: fp32; with runtime "torch", bf16 where the CPU has AMX or AVX512-BF16, else fp32), "fp32", "bf16" (PyTorch)
    #: or "int8" (through ONNX Runtime: weight products in int8 except the feed-forward down-projections and the
    #: heads, smoothed by the fitted ranges: about 1.3x faster than fp32 and within 0.2 F1 of it on SQuAD 2 and
    #: CoQA dev; with runtime "torch", PyTorch's dynamic quantisation of every layer, 3-6 F1 points lower).
    reader_precision: Precision = "auto"
    #: How the question path runs its networks: "onnx" (ONNX Runtime: the query embedder and the reader exported once
    #: into model_cache_dir, so answering imports no torch; a cold start in about 2 s) or "torch" (PyTorch and
    #: sentence-transformers). Ingest and training always use PyTorch.
    runtime: Runtime = "onnx"
    #: Where the ONNX exports are kept ("" = $XDG_CACHE_HOME/qa-bot, else ~/.cache/qa-bot).
    model_cache_dir: str = ""
    #: Optional LLM backend: "openai:MODEL" (any OpenAI-compatible server at llm_base_url) or
    #: "ollama:MODEL"; empty = extractive only. Timeout in seconds; an answer failing verification is
    #: replaced by the extractive one ("fallback") or shown uncited and marked unverified ("mark").
    #: llm_rewrite lets the LLM rewrite follow-ups into standalone questions.
    llm: str = ""
    llm_base_url: str = ""
    llm_timeout: float = 30.0
    llm_on_unverified: OnUnverified = "fallback"
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
    #: Fetch URLs that resolve to loopback, private or link-local addresses (an intranet deployment). Off: such a
    #: URL is refused ("... is a private address; not fetched"), on the first request and every redirect.
    allow_private_urls: bool = False
    #: A served page (``qa-bot serve``): who may add or remove articles. On a loopback address anyone (the local
    #: user); elsewhere only with ``ingest_token``, or anyone when ``open_ingest``; otherwise no one (the page says so).
    ingest_token: str = ""
    open_ingest: bool = False
    #: Per client address on a served page, moving window, e.g. "60/minute"; "" = no limit.
    rate_limit_ask: str = "60/minute"
    rate_limit_ingest: str = "10/minute"
    embed_batch_size: int = 64

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(type(self).model_fields)
        if unknown:
            raise InvalidInput(f"Unknown setting(s): {', '.join(sorted(unknown))}")
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise InvalidInput(_message(exc, values)) from None

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then env vars, then the non-``None`` keyword arguments."""
        return cls(**{k: v for k, v in overrides.items() if v is not None})

    def with_(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (and checked)."""
        return type(self)(**{**self.model_dump(), **changes})

    @model_validator(mode="after")
    def _check(self) -> Settings:
        for name in _POSITIVE:
            if getattr(self, name) <= 0:
                raise ValueError(f"Setting {name} must be positive, got {getattr(self, name)!r}")
        if self.chunk_overlap_sentences < 0:
            raise ValueError("Setting chunk_overlap_sentences must be >= 0")
        if self.llm and ":" not in self.llm:
            raise ValueError(f"Setting llm={self.llm!r} must look like 'openai:MODEL' or 'ollama:MODEL'")
        if not 0.0 <= self.dedupe_threshold <= 1.0:
            raise ValueError("Setting dedupe_threshold must be between 0 and 1 (0 = off)")
        for name in ("rate_limit_ask", "rate_limit_ingest"):
            if getattr(self, name) and not _RATE.match(getattr(self, name)):
                raise ValueError(f"Setting {name} must look like '60/minute' or '5/second' ('' = none)")
        for name in ("abstain_threshold", "verdict_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"Setting {name} must be between 0 and 1")
        return self


def _message(exc: ValidationError, given: dict[str, Any]) -> str:
    """One line for the first problem: the check's own words, or which value could not be read as what."""
    err = exc.errors()[0]
    if err["type"] == "value_error":
        return str(err["ctx"]["error"])
    name = str(err["loc"][0]) if err["loc"] else "?"
    if err["type"] == "literal_error":
        choices = get_args(Settings.model_fields[name].annotation)
        return f"Setting {name} must be one of {', '.join(map(repr, choices))}, got {err.get('input')!r}"
    kind = Settings.model_fields[name].annotation if name in Settings.model_fields else None
    kind_name = getattr(kind, "__name__", str(kind))
    env = ENV_PREFIX + name.upper()
    if name not in given and env in os.environ:
        return f"Environment variable {env}={os.environ[env]!r} is not a valid {kind_name}"
    return f"Setting {name}={err.get('input')!r} is not a valid {kind_name}"
