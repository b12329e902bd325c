"""The quick dev curve ``qa-bot train-reader`` prints: a fixed sample of SQuAD v2.0 dev questions, each read in its
own paragraph (best span, no abstention): HasAns F1 and how well the no-answer margin separates the answerable
from the unanswerable (AUC)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_bot.dev.train_data import load_squad

if TYPE_CHECKING:
    from qa_bot.dev.train import TrainConfig

__all__ = ["auc", "read_best", "squad_dev_scores", "squad_dev_windows"]


def squad_dev_windows(cfg: TrainConfig, tokenizer: Any) -> list[dict[str, Any]]:
    """A fixed sample of dev questions, each with its own paragraph cut into reader windows."""
    path = Path(cfg.dev_file)
    if not path.exists() or cfg.eval_questions <= 0:
        return []
    from qa_bot.answering.windows import encode_windows

    items = [(qa, p["context"]) for a in load_squad(path) for p in a["paragraphs"] for qa in p["qas"]]
    random.Random(0).shuffle(items)
    out = []
    for qa, ctx in items[: cfg.eval_questions]:
        golds = [] if qa.get("is_impossible") else [a["text"] for a in qa["answers"]]
        enc = encode_windows(tokenizer, qa["question"], [ctx], cfg.max_tokens)
        out.append({"golds": golds, "enc": enc, "text": ctx})
    return out


def read_best(model: Any, item: dict[str, Any]) -> tuple[Any, list[Any], float, str]:
    """Read a dev item's windows (``enc``, cut from ``text``): the network's output, the best span (none or one),
    the no-answer score and the span's text ("" without a span)."""
    import torch

    from qa_bot.answering.windows import best_spans

    enc = item["enc"]
    device = next(model.parameters()).device  # the logits come back to the CPU
    out = model(**{k: torch.tensor(v, device=device) for k, v in enc.tensors().items()})
    start, end = (x.float().cpu().numpy() for x in (out.start_logits, out.end_logits))
    spans, null = best_spans(enc, start, end, top=1)
    return out, spans, null, item["text"][spans[0].start : spans[0].end] if spans else ""


def squad_dev_scores(model: Any, dev: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """HasAns F1 (best span, no abstention) and the no-answer margin's AUC on the dev sample."""
    if not dev:
        return {}
    import torch

    from qa_bot.dev.metrics import compute_f1

    model.eval()
    f1s, pos, neg = [], [], []
    with torch.inference_mode():
        for item in dev:
            _, spans, null, text = read_best(model, item)
            margin = (spans[0].score if spans else -1e9) - null
            if item["golds"]:
                f1s.append(compute_f1(item["golds"], text))
                pos.append(margin)
            else:
                neg.append(margin)
    separation = auc(pos, neg)
    return {
        "dev_hasans_f1": round(100 * float(sum(f1s) / max(1, len(f1s))), 1),
        "dev_noans_auc": round(separation, 3),
    }


def auc(pos: Sequence[float], neg: Sequence[float]) -> float:
    if not pos or not neg:
        return math.nan
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))
