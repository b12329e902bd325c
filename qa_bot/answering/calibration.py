"""The reader's calibration: how the margin between its best span and its "no answer" score becomes a confidence,
fitted on the dev sets by ``qa-bot calibrate-reader`` and stored beside the reader's weights (``calibration.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from qa_bot.answering.kind import sigmoid
from qa_bot.answering.reader import ReadResult
from qa_bot.answering.windows import SpanScore

__all__ = ["CALIBRATION_FILE", "Calibration"]

CALIBRATION_FILE = "calibration.json"  # beside the reader's weights


@dataclass(frozen=True)
class Calibration:
    """How the reader's margin becomes a confidence: ``sigmoid(scale * (margin - threshold))``; ``null`` says which
    "no answer" score the margin is taken against (``"min"``: the lowest of all windows read; ``"own"``: the
    window the best span was read in). ``length_penalty``: how much a span's margin over its window's "no
    answer" loses per token when the spans are ranked (:meth:`rank`), so that of two spans the reader scores
    about the same ("United States" and "United States was behind Israel's attacks ...") the shorter is given;
    its confidence is still its own margin's."""

    threshold: float = 0.0
    scale: float = 1.0
    null: str = "min"
    length_penalty: float = 0.0

    @classmethod
    def load(cls, model_dir: str | Path | None = None) -> Calibration:
        """The calibration stored beside the reader's weights (the shipped reader when ``model_dir`` is None)."""
        from qa_bot.answering.model_io import MODEL_DIR

        p = Path(model_dir or MODEL_DIR) / CALIBRATION_FILE
        if not p.exists():
            return cls()
        raw = json.loads(p.read_text("utf-8"))
        return cls(float(raw["threshold"]), float(raw.get("scale", 1.0)), str(raw.get("null", "min")),
                   float(raw.get("length_penalty", 0.0)))  # fmt: skip

    def rank(self, read: ReadResult) -> ReadResult:
        """``read`` with its spans best first by margin less the length penalty (ties keep the reader's order)."""
        if not self.length_penalty or len(read.spans) < 2:
            return read
        ranked = tuple(sorted(read.spans, key=lambda s: -self.rank_score(s)))
        return read if ranked == read.spans else replace(read, spans=ranked)

    def rank_score(self, span: SpanScore) -> float:
        """What :meth:`rank` orders spans by: the margin less the length penalty."""
        return span.margin - self.length_penalty * span.tokens

    def margin(self, read: ReadResult, best: int = 0) -> float:
        span = read.spans[best]
        return span.score - (span.null if self.null == "own" else read.null)

    def confidence(self, margin: float) -> float:
        return sigmoid(self.scale * (margin - self.threshold))
