"""Fitting the int8 reader (``qa-bot fit-int8``): the ranges its graph is smoothed by, and how hard.

Int8 holds each activation with one scale for all its channels, and a few channels of a BERT's activations carry
values a hundred times the rest; quantised as they are, the reader's top span moved on 61 of 1,000 held-out
training paragraphs and the seed dev set lost 4.6 F1. :func:`qa_bot.runtime.smooth` divides those channels down and
multiplies the weights up (the same products in exact arithmetic), by the activations' per-channel ranges measured
here on SQuAD v1.1 training paragraphs, and ``alpha`` (how much of the range moves into the weights) is the one of
:data:`ALPHAS` whose int8 graph's start and end distributions are closest to the fp32 reader's (mean KL divergence)
on other training paragraphs held out. Everything is measured on training data; the dev sets are only scored
afterwards (MODEL_CARD.md).
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ALPHAS", "dump_ranges", "fit_int8", "span_agreement", "training_windows"]

ALPHAS = (0.5, 0.7, 0.85, 0.95)  # SmoothQuant's paper takes 0.5 for most models, up to 0.85 for some
SQUAD_FILE = "squad_v1.1_train.json.gz"


def training_windows(data_dir: str | Path, count: int, reader: Any, *, seed: int = 0) -> list[Any]:
    """The reader's inputs for ``count`` SQuAD v1.1 training paragraphs taken at random, each with its first
    question (:class:`qa_bot.answering.windows.EncodedWindows`, one per paragraph)."""
    from qa_bot.dev.train_data import load_squad

    articles = load_squad(Path(data_dir) / SQUAD_FILE)
    pairs = [(p["qas"][0]["question"], p["context"]) for a in articles for p in a["paragraphs"] if p["qas"]]
    random.Random(seed).shuffle(pairs)
    return [reader.encode(q, [context]) for q, context in pairs[:count]]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max()
    return x - np.log(np.exp(x).sum())


def span_agreement(
    reference: Any, session: Any, windows: Sequence[Any], max_answer_tokens: int = 30
) -> dict[str, float]:
    """How close ``session``'s reading is to ``reference``'s (two ONNX Runtime sessions of the reader) on
    ``windows``: how many keep the same top span; the mean KL divergence of the start and of the end distributions
    over each window's tokens (what :func:`fit_int8` chooses by: it weighs every window, not only the few whose top
    span flips); the median over windows of the largest change of a start logit."""
    from qa_bot.answering.windows import best_spans

    same, kl, changes = 0, [], []
    for enc in windows:
        want, got = reference.run(None, enc.tensors()), session.run(None, enc.tensors())
        top = [
            best_spans(enc, o[0], o[1], top=1, max_answer_tokens=max_answer_tokens)[0][:1]
            for o in (want, got)
        ]
        same += [(s.piece, s.start, s.end) for s in top[0]] == [(s.piece, s.start, s.end) for s in top[1]]
        for w, real in enumerate(enc.attention_mask.astype(bool)):
            for k in (0, 1):  # start, end
                p, q = _log_softmax(want[k][w][real]), _log_softmax(got[k][w][real])
                kl.append(float((np.exp(p) * (p - q)).sum()))
            changes.append(float(np.abs(got[0][w][real] - want[0][w][real]).max()))
    return {
        "same_top_span": same,
        "windows": len(windows),
        "mean_kl": round(float(np.mean(kl)), 6),
        "median_logit_change": round(float(np.median(changes)), 4),
    }


def dump_ranges(record: dict[str, Any]) -> str:
    """``record`` as JSON, each activation's ranges on one line (a file of 18 lines of numbers, not 6,912)."""
    head = json.dumps({k: v for k, v in record.items() if k != "ranges"}, indent=1)[:-2]
    lines = ",\n".join(
        f"  {json.dumps(name)}: {json.dumps(values)}" for name, values in record["ranges"].items()
    )
    return f'{head},\n "ranges": {{\n{lines}\n }}\n}}\n'


def fit_int8(
    data_dir: str | Path,
    model_dir: str | Path | None = None,
    *,
    calibration: int = 96,
    held_out: int = 1000,
    alphas: Sequence[float] = ALPHAS,
    out_dir: str | Path | None = None,
    echo: Callable[[str], None] = print,
) -> Path:
    """Measure the activation ranges of the reader in ``model_dir`` (the shipped one when None) on ``calibration``
    training paragraphs, choose ``alpha`` on ``held_out`` others, write ``int8_ranges.json`` beside the weights
    (or into ``out_dir``)."""
    from qa_bot.answering.model_io import INT8_RANGES, META, MODEL_DIR, write_card
    from qa_bot.answering.reader import TrainedReader
    from qa_bot.runtime import activation_ranges, open_session, quantize_int8

    started = time.perf_counter()
    reader = TrainedReader(model_dir, precision="fp32").warm_up()
    fp32 = reader.onnx_path
    if fp32 is None:
        from qa_bot.errors import ModelUnavailable

        raise ModelUnavailable("The reader could not be exported to ONNX: int8 needs its graph.")
    windows = training_windows(data_dir, calibration + held_out, reader)
    fit, check = windows[:calibration], windows[calibration:]
    echo(f"Measuring the activations on {len(fit)} SQuAD v1.1 training paragraphs ...")
    ranges = activation_ranges(fp32, [w.tensors() for w in fit])
    reference = open_session(fp32)
    tried: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="qa-bot-int8-") as tmp:
        for alpha in (None, *alphas):
            path = Path(tmp) / f"int8-{alpha}.onnx"
            quantize_int8(fp32, path, ranges=ranges if alpha is not None else None, alpha=alpha or 0.0)
            name = "unsmoothed" if alpha is None else str(alpha)
            tried[name] = span_agreement(reference, open_session(path), check, reader.max_answer_tokens)
            echo(f"  {name}: {tried[name]}")
    best = min(alphas, key=lambda a: tried[str(a)]["mean_kl"])
    record = {
        "alpha": best,
        "agreement": tried,
        "fitted_on": f"{len(fit)} SQuAD v1.1 training paragraphs (ranges), {len(check):,} others (alpha)",
        "seconds": round(time.perf_counter() - started, 1),
        "ranges": {k: [float(f"{x:.5g}") for x in v] for k, v in ranges.items()},
    }
    out = Path(out_dir or model_dir or MODEL_DIR) / INT8_RANGES
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_ranges(record), "utf-8")
    echo(f"alpha {best}: the fp32 top span on {tried[str(best)]['same_top_span']} of {len(check)} held-out paragraphs "
         f"(unsmoothed: {tried['unsmoothed']['same_top_span']})")  # fmt: skip
    if (out.parent / META).exists():  # beside a reader's training record: its model card says so
        write_card(out.parent)
    echo(f"Wrote {out}")
    return out
