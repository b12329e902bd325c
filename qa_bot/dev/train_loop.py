"""The training loop of ``qa-bot train-reader`` (one pass over a stage's windows, checkpointed and resumable) and
its record: the curve's points, and weights averaged across runs."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_bot.dev.coqa import conversation_dev_scores
from qa_bot.dev.curve import squad_dev_scores
from qa_bot.dev.train_data import batches, collate

if TYPE_CHECKING:
    from qa_bot.dev.train import TrainConfig

__all__ = ["fit", "log_average", "log_point", "mean_weights"]


def log_point(work: Path, line: dict[str, Any], echo: Callable[[str], None]) -> None:
    """Append one point to the run's curve (``curve.jsonl`` in ``work``) and echo it."""
    with open(work / "curve.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
    echo(" ".join(f"{k}={v}" for k, v in line.items()))


def mean_weights(states: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The mean of model weights, tensor by tensor."""
    return {k: sum(s[k] for s in states) / len(states) for k in states[0]}


def log_average(
    work: Path,
    label: str,
    scores: dict[str, Any],
    echo: Callable[[str], None],
    later: Callable[[str], bool] = lambda stage: False,
) -> None:
    """Log the point of the averaged weights ``label`` once (a resumed run's earlier one replaced), after the points
    of the stages it averages and before those of the ``later`` stages."""
    curve = work / "curve.jsonl"
    points = [json.loads(x) for x in curve.read_text().splitlines() if x.strip()]
    points = [p for p in points if p.get("stage") != label]
    after = [later(str(p.get("stage", "1"))) for p in points]
    curve.write_text("".join(json.dumps(p) + "\n" for p, a in zip(points, after, strict=True) if not a))
    log_point(work, {"stage": label, **scores}, echo)
    with open(curve, "a", encoding="utf-8") as f:
        f.writelines(json.dumps(p) + "\n" for p, a in zip(points, after, strict=True) if a)


def fit(
    model: Any,
    features: Sequence[dict[str, Any]],
    cfg: TrainConfig,
    lr: float,
    ckpt: Path,
    dev: Sequence[dict[str, Any]],
    work: Path,
    echo: Callable[[str], None],
    stage: int = 1,
    label: str = "1",
    conv_dev: Sequence[dict[str, Any]] = (),
) -> float:
    """One pass over ``features`` (linear warm-up and decay of ``lr``), checkpointed to ``ckpt`` and resumed from
    it; returns the training seconds of the whole pass, earlier runs included."""
    import numpy as np
    import torch

    from qa_bot.answering.model_io import NEW_HEADS

    params = [p for p in model.parameters() if p.requires_grad]
    groups = []
    for head in (False, True):  # the answer-kind head learns at a higher rate: it starts untrained in stage 3
        named = [
            (n, p) for n, p in model.named_parameters() if p.requires_grad and n.startswith(NEW_HEADS) == head
        ]
        scale = cfg.new_head_lr_scale if head else 1.0
        groups += [{"params": [p for _, p in named if p.ndim > 1], "weight_decay": cfg.weight_decay, "scale": scale},
                   {"params": [p for _, p in named if p.ndim <= 1], "weight_decay": 0.0, "scale": scale}]  # fmt: skip
    opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=lr)
    plan = batches(features, cfg.batch_size, cfg.seed + stage - 1)
    total = len(plan)
    warm = max(1, int(total * cfg.warmup))

    def lr_at(step: int) -> float:
        return lr * (step / warm if step < warm else max(0.0, (total - step) / max(1, total - warm)))

    step, elapsed_before = 0, 0.0
    device = next(model.parameters()).device
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False, map_location=device)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, elapsed_before = state["step"], state["elapsed"]
        torch.set_rng_state(state["torch_rng"].cpu())
        echo(f"stage {label}: resumed at step {step}/{total}")
    model.train()
    run_started = time.time()
    losses: list[float] = []
    while step < total:
        batch = {k: v.to(device) for k, v in collate(features, plan[step]).items()}
        for g in opt.param_groups:
            g["lr"] = lr_at(step) * g["scale"]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
            loss = model(**batch, kind_weight=cfg.kind_weight if stage == 3 else 0.0).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        step += 1
        elapsed = elapsed_before + time.time() - run_started
        if step % cfg.checkpoint_every == 0 or step == total:
            tmp = ckpt.with_suffix(".tmp")
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed,
                        "torch_rng": torch.get_rng_state()}, tmp)  # fmt: skip
            os.replace(tmp, ckpt)
        if step % cfg.eval_every == 0 or step == total:
            line = {"stage": label, "step": step, "windows": min(step * cfg.batch_size, len(features)),
                    "loss": round(float(np.mean(losses[-cfg.eval_every :])), 4), "lr": f"{lr_at(step):.2e}",
                    "minutes": round(elapsed / 60, 1), "precision": "bf16" if cfg.bf16 else "fp32",
                    **({"device": torch.cuda.get_device_name(device)} if device.type == "cuda" else {})}  # fmt: skip
            line.update(squad_dev_scores(model, dev))
            if conv_dev:
                line.update(conversation_dev_scores(model, conv_dev))
            model.train()
            log_point(work, line, echo)
    model.eval()
    return elapsed_before + time.time() - run_started
