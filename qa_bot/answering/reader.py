"""The reader stage: a question and char ranges of stored text in, scored spans and a "no answer" score out.

:class:`Reader` is the protocol the answer stage depends on (tests use small fakes); :class:`TrainedReader` is the
MiniLM span model trained here (``qa_bot/answering/model``). It runs through ONNX Runtime (the network exported
once into the model cache, :mod:`qa_bot.runtime`), so answering never imports torch; by default (precision
``auto`` or ``int8``) with its weight matrix products in int8 except the feed-forward down-projections and the
heads, each activation smoothed first by the ranges ``qa-bot fit-int8`` measured (``int8_ranges.json``,
:func:`qa_bot.runtime.quantize_int8`): about 1.3x faster than fp32 (precision ``fp32``), within 0.2 F1 of it on
SQuAD 2 dev and the CoQA dev split (README, "Fast answers"). Without fitted ranges ``auto`` reads in fp32 and
``int8`` unsmoothed. With ``runtime="torch"`` it runs through PyTorch, in bf16 where the CPU has AMX or
AVX512-BF16 (logits within 0.07 of fp32), else fp32; int8 there is PyTorch's dynamic quantisation of every linear
layer (3-6 F1 points worse, ``scripts/bench_reader_backends.py`` and the model card).
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa_bot.answering.windows import EncodedWindows, SpanScore, best_spans, encode_windows
from qa_bot.config import PRECISIONS, RUNTIMES

__all__ = ["ReadResult", "Reader", "TrainedReader"]

log = logging.getLogger(__name__)


def _has_fast_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (AMX tiles or AVX512-BF16); elsewhere bf16 is slower than fp32."""
    import torch

    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except AttributeError:  # a torch without these probes
        return False


@dataclass(frozen=True)
class ReadResult:
    """Spans found (best first; ``piece``, ``start``, ``end`` index the pieces read) and the reader's "no answer"
    score: the lowest [CLS] score of any window read. ``kinds``: per window, the probabilities that the answer
    it holds is a span, "yes" or "no" (:data:`qa_bot.answering.network.KINDS`); empty for a reader without that
    head."""

    spans: tuple[SpanScore, ...]
    null: float
    windows: int = 0
    tokens: int = 0
    ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    kinds: tuple[tuple[float, float, float], ...] = ()

    def kind_of(self, span: SpanScore) -> tuple[float, float, float]:
        """P(span), P(yes), P(no) for the window ``span`` was read in ((1, 0, 0) when unknown)."""
        return self.kinds[span.window] if span.window < len(self.kinds) else (1.0, 0.0, 0.0)


class Reader(Protocol):
    def read(
        self, question: str, pieces: Sequence[str], history: Sequence[tuple[str, str]] = ()
    ) -> ReadResult:
        """Read each piece of text and score its spans as answers to ``question`` (asked after the
        ``history`` turns, oldest first)."""
        ...


class TrainedReader:
    """The span model trained by :mod:`qa_bot.dev.train`. Loads lazily (:meth:`warm_up`), thread-safe.

    ``runtime="onnx"`` with precision ``auto``, ``fp32`` or ``int8`` runs it through ONNX Runtime (exported into
    ``cache_dir`` on first use; where that cannot be done, PyTorch answers instead); anything else through PyTorch."""

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        max_tokens: int = 256,
        stride: int = 48,
        top: int = 10,
        max_answer_tokens: int = 30,
        precision: str = "auto",
        runtime: str = "onnx",
        cache_dir: str | Path = "",
        name: str = "reader",
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}")
        self.model_dir = model_dir
        self.max_tokens = max_tokens
        self.stride = stride
        self.top = top
        self.max_answer_tokens = max_answer_tokens
        self.precision = precision
        self.runtime = "onnx" if runtime == "onnx" and precision in ("auto", "fp32", "int8") else "torch"
        self.cache_dir = cache_dir
        self.name = name  # what its ONNX exports are cached as
        self._model: Any = None
        self._session: Any = None
        self.onnx_path: Path | None = None  # the exported network, once loaded
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> TrainedReader:
        with self._lock:
            if self._model is None and self._session is None:
                from qa_bot.answering.model_io import load_tokenizer

                self._tokenizer = load_tokenizer()
                if self.runtime == "onnx":
                    self._load_onnx()
                if self.runtime == "torch":
                    self._load_torch()
        return self

    def _load_onnx(self) -> None:
        from qa_bot.answering.model_io import export_reader, reader_sources
        from qa_bot.runtime import cached_export, open_session

        sources = reader_sources(self.model_dir)
        try:
            path = cached_export(
                self.name, sources, lambda p: export_reader(self.model_dir, p), self.cache_dir
            )
            int8 = self._int8(path, sources) if self.precision in ("auto", "int8") else None
            self._session = open_session(int8 or path, spin=True)  # the last network: see open_session
            self.onnx_path = int8 or path
            self.precision = "int8" if int8 else "fp32"
        except Exception as exc:  # no ONNX export here: PyTorch answers instead (int8: its own quantisation)
            log.warning("The reader falls back to PyTorch: %s", exc)
            self.runtime = "torch"

    def _int8(self, fp32: Path, sources: list[Path]) -> Path | None:
        """The int8 graph of the ``fp32`` one: smoothed by the reader's fitted int8 ranges (``int8_ranges.json``);
        without them (or with ranges fitted on another graph), precision ``auto`` reads in fp32 and ``int8``
        unsmoothed."""
        from qa_bot.answering.model_io import int8_ranges_path, load_int8_ranges
        from qa_bot.errors import ModelUnavailable
        from qa_bot.runtime import cached_export, quantize_int8

        fitted = int8_ranges_path(self.model_dir)

        def smoothed(path: Path) -> None:  # the ranges are read when the graph is made, not at every start
            ranges = load_int8_ranges(self.model_dir)
            if ranges is None:
                raise ModelUnavailable(f"{fitted} is gone")
            quantize_int8(fp32, path, ranges=ranges.ranges, alpha=ranges.alpha)

        try:
            if fitted.exists():  # the graph is keyed by the ranges' file too
                return cached_export(f"{self.name}_int8", [*sources, fitted], smoothed, self.cache_dir)
        except ModelUnavailable as exc:
            then = "fp32" if self.precision == "auto" else "int8, unsmoothed"
            log.warning("The reader's smoothed int8 graph cannot be made (%s): it reads in %s.", exc, then)
        if self.precision == "auto":
            return None
        return cached_export(f"{self.name}_int8", sources, lambda p: quantize_int8(fp32, p), self.cache_dir)

    def _load_torch(self) -> None:
        import torch

        from qa_bot.answering.model_io import load_reader

        model = load_reader(self.model_dir)
        if self.precision == "auto":
            self.precision = "bf16" if _has_fast_bf16() else "fp32"
        if self.precision == "int8":
            with warnings.catch_warnings():  # torch announces a future deprecation of this API
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self._model = model

    @property
    def reads_history(self) -> bool:
        """Whether this reader learned to read a question with its conversation: one trained with CoQA's
        conversations has the answer-kind head; an earlier one is given standalone rewrites instead."""
        self.warm_up()
        if self._session is not None:
            return self._session.get_outputs()[2].shape[1] == 3
        return self._model.kind_outputs is not None

    def encode(
        self, question: str, pieces: Sequence[str], history: Sequence[tuple[str, str]] = ()
    ) -> EncodedWindows:
        """The model's input for ``question`` (in its conversation) against each piece (see
        :func:`encode_windows`)."""
        self.warm_up()
        return encode_windows(
            self._tokenizer, question, pieces, self.max_tokens, self.stride, history=history
        )

    def forward(self, enc: EncodedWindows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Start and end logits of every window and its answer-kind probabilities: the bare model call (what
        ``qa-bot bench`` takes as the floor)."""
        self.warm_up()
        if self._session is not None:
            start, end, kinds = self._session.run(None, enc.tensors())
            return start, end, kinds
        import torch

        bf16 = self.precision == "bf16"
        with self._lock, torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = self._model(**{k: torch.from_numpy(v) for k, v in enc.tensors().items()})
            kinds = (
                torch.softmax(out.kind_logits.float(), dim=-1).numpy()
                if out.kind_logits is not None
                else np.zeros((len(enc), 0), dtype=np.float32)  # a reader without the answer-kind head
            )
        return out.start_logits.float().numpy(), out.end_logits.float().numpy(), kinds

    def read(
        self, question: str, pieces: Sequence[str], history: Sequence[tuple[str, str]] = ()
    ) -> ReadResult:
        started = time.perf_counter()
        if not pieces:
            return ReadResult((), 0.0)
        enc = self.encode(question, pieces, history)
        start, end, kinds = self.forward(enc)
        spans, null = best_spans(
            enc, start, end, top=self.top, max_answer_tokens=self.max_answer_tokens, pieces=pieces
        )
        return ReadResult(
            tuple(spans),
            null,
            len(enc),
            enc.tokens,
            round((time.perf_counter() - started) * 1000, 2),
            kinds=tuple((float(k[0]), float(k[1]), float(k[2])) for k in kinds if len(k) == 3),
        )
