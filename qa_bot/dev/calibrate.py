"""Fit the abstention threshold on the dev sets: ``qa-bot calibrate-reader`` (run by ``make train-reader``).

Each dev set is read the way ``qa-bot eval`` reads it (every article one document of a fresh index, every
question asked against the whole index, follow-ups with their history). For every question we keep the reader's
best span and its margin over the "no answer" score (against the lowest [CLS] score of all windows, and against
the best span's own window). The fitted threshold is the one that maximises the mean F1 of the dev sets (each set
weighs the same, however many questions it has); the scale of the confidence is a one-feature logistic fit of
"the span is right" (F1 >= 0.5 on an answerable question) on the margin. The spans' length penalty (how much a
span's margin loses per token when spans are ranked, :meth:`~qa_bot.answering.extractive.Calibration.rank`) is
chosen with them from a short log-spaced grid, by the same mean F1, the smallest of tied ones (every question's
top spans are kept, so each penalty's pick is re-made without reading again). Nothing is set by hand.
"""

from __future__ import annotations

import itertools
import json
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

__all__ = ["Candidate", "Observation", "calibrate", "collect", "fit"]

NULLS = ("min", "own")
LENGTH_PENALTIES = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)


@dataclass(frozen=True)
class Candidate:
    """One of the reader's top spans for a question: its F1 if given, its margins by null choice, its tokens."""

    f1: float
    margins: dict[str, float]
    tokens: int


@dataclass(frozen=True)
class Observation:
    dataset: str
    qid: str
    impossible: bool
    f1: float  # F1 of the best span if it were given
    margins: dict[str, float]  # by null choice; -inf when the reader found no span
    followup: bool = False  # asked with a history
    candidates: tuple[Candidate, ...] = ()  # the top spans, best margin (own window's null) first

    def ranked(self, length_penalty: float) -> Observation:
        """The observation as it would be with the spans ranked with ``length_penalty``."""
        if not length_penalty or not self.candidates:
            return self
        pick = max(self.candidates, key=lambda c: c.margins["own"] - length_penalty * c.tokens)
        return replace(self, f1=pick.f1, margins=pick.margins)


def collect(dataset: str | Path, bot_factory: Callable[[Path], Any] | None = None) -> list[Observation]:
    from qa_bot.dev.evaluate import load_dataset
    from qa_bot.dev.metrics import compute_f1

    articles = load_dataset(dataset)
    out: list[Observation] = []
    with tempfile.TemporaryDirectory(prefix="qa-bot-calibrate-") as tmp:
        if bot_factory is None:
            from qa_bot.bot import QABot

            bot = QABot(index_dir=Path(tmp) / "index")
        else:
            bot = bot_factory(Path(tmp) / "index")
        for art in articles:
            bot.ingest_text(art.text, title=art.title, source=f"{Path(dataset).name}#{art.title}")
        for art in articles:
            for q in art.questions:
                reading = bot.analyze(q.question, list(q.history))
                cands = _candidates(reading, q.answers)
                none = Candidate(compute_f1(q.answers, ""), {n: -math.inf for n in NULLS}, 0)
                best = cands[0] if cands else none
                out.append(Observation(Path(dataset).name, q.qid, q.is_impossible, best.f1, best.margins,
                                       bool(q.history), cands))  # fmt: skip
    return out


def _candidates(reading: Any, answers: Sequence[str]) -> tuple[Candidate, ...]:
    """The reader's spans for one question as candidates, best margin over their own window's null first."""
    from qa_bot.dev.metrics import compute_f1

    spans = reading.read.spans
    order = sorted(range(len(spans)), key=lambda i: -spans[i].margin)
    return tuple(Candidate(compute_f1(answers, reading.answer_text(i)),
                           {"min": spans[i].score - reading.read.null, "own": spans[i].margin}, spans[i].tokens)
                 for i in order)  # fmt: skip


def _f1_at(obs: Sequence[Observation], null: str, threshold: float) -> float:
    total = 0.0
    for o in obs:
        answered = o.margins[null] >= threshold
        total += o.f1 if answered else float(o.impossible)
    return 100.0 * total / max(1, len(obs))


def fit(
    observations: Sequence[Observation], length_penalties: Sequence[float] = LENGTH_PENALTIES
) -> dict[str, Any]:
    """The (length penalty, null choice, threshold) with the best mean dev-set F1 (a larger penalty only when it
    does better), and the logistic scale of the margin."""
    best: dict[str, Any] | None = None
    for penalty in length_penalties:
        result = _fit_ranked([o.ranked(penalty) for o in observations])
        if best is None or result["mean_f1"] > best["mean_f1"] + 1e-9:
            best = {**result, "length_penalty": penalty}
    assert best is not None
    return best


def _fit_ranked(observations: Sequence[Observation]) -> dict[str, Any]:
    sets = sorted({o.dataset for o in observations})
    by_set = {s: [o for o in observations if o.dataset == s] for s in sets}
    best: tuple[float, str, float] | None = None
    for null in NULLS:
        values = sorted({o.margins[null] for o in observations if math.isfinite(o.margins[null])}) or [0.0]
        # candidate thresholds: midpoints between observed margins (and beyond both ends)
        cands = [values[0] - 1.0] + [(a + b) / 2 for a, b in itertools.pairwise(values)] + [values[-1] + 1.0]
        means = [sum(_f1_at(by_set[s], null, t) for s in sets) / len(sets) for t in cands]
        top = max(means)
        # several thresholds tie at the best score: take the middle one, as far from both edges as they allow
        tied = [t for t, m in zip(cands, means, strict=True) if m >= top - 1e-9]
        if best is None or top > best[0] + 1e-9:
            best = (top, null, tied[len(tied) // 2])
    assert best is not None
    mean, null, threshold = best
    scale = _logistic_scale([o.margins[null] - threshold for o in observations],
                            [float(not o.impossible and o.f1 >= 0.5) for o in observations])  # fmt: skip
    return {
        "threshold": round(threshold, 4),
        "scale": round(scale, 4),
        "null": null,
        "mean_f1": round(mean, 2),
        "f1_by_set": {s: round(_f1_at(by_set[s], null, threshold), 2) for s in sets},
        "questions_by_set": {s: len(by_set[s]) for s in sets},
    }


def _logistic_scale(x: Sequence[float], y: Sequence[float]) -> float:
    """Slope ``a`` of ``P(y) = sigmoid(a * x)`` (no intercept: x is already centred on the threshold) with the
    highest log-likelihood, searched over a log-spaced grid (robust where Newton steps overshoot)."""
    pairs = [(xi, yi) for xi, yi in zip(x, y, strict=True) if math.isfinite(xi)]

    def loglik(a: float) -> float:
        total = 0.0
        for xi, yi in pairs:
            z = max(-60.0, min(60.0, a * xi))
            total -= math.log1p(math.exp(-z)) if yi else math.log1p(math.exp(z))
        return total

    grid = [10 ** (k / 20) for k in range(-40, 21)]  # 0.01 .. 10
    return max(grid, key=loglik) if pairs else 1.0


def calibrate(
    datasets: Sequence[str | Path],
    out_dir: str | Path | None = None,
    echo: Callable[[str], None] = print,
    bot_factory: Callable[[Path], Any] | None = None,
    observations_file: str | Path | None = None,
) -> dict[str, Any]:
    """Collect, fit and write ``calibration.json`` beside the reader's weights (and, when asked, every question's
    margins and span F1 to ``observations_file`` for analysis)."""
    from qa_bot.answering.model_io import MODEL_DIR

    started = time.perf_counter()
    observations: list[Observation] = []
    for d in datasets:
        echo(f"reading {d} ...")
        observations += collect(d, bot_factory)
    result = fit(observations)
    if observations_file:
        Path(observations_file).parent.mkdir(parents=True, exist_ok=True)
        Path(observations_file).write_text(json.dumps([asdict(o) for o in observations]), encoding="utf-8")
    result["fitted_on"] = [Path(d).name for d in datasets]
    result["seconds"] = round(time.perf_counter() - started, 1)
    path = Path(out_dir or MODEL_DIR) / "calibration.json"
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if (path.parent / "reader.json").exists():
        from qa_bot.answering.model_io import write_card

        write_card(path.parent)
    echo(json.dumps(result, indent=1))
    return result
