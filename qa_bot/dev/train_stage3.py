"""Stage 3 of ``qa-bot train-reader``: the conversation turns, in rounds, once per seed.

Each round starts from the weights before it as they ship (fp16) and trains on a fresh draw of the CoQA turns
(:func:`qa_bot.dev.coqa.conversation_features`); a seed's weights are the mean of its rounds' ends. With several
seeds (``TrainConfig.conv_seeds``) every seed starts from the same weights — a reader given with ``--init`` is
loaded anew under that seed, so its untrained answer-kind head is drawn as a run with ``--seed`` alone would draw
it — on draws, a batch order and dropout of its own, in a work folder of its own (``seed-N/``), and the shipped
weights are the mean of the seeds' (a "model soup": measured better on the dev sets than any one seed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_bot.dev.coqa import conversation_dev_scores, conversation_dev_windows, conversation_features
from qa_bot.dev.curve import squad_dev_scores
from qa_bot.dev.train_data import kind_counts
from qa_bot.dev.train_loop import fit, log_average, mean_weights

if TYPE_CHECKING:
    from qa_bot.dev.train import TrainConfig

__all__ = ["AVERAGE3", "AVERAGE_SEEDS", "Stage3", "round_label", "run_stage3"]

AVERAGE3 = "average of stage 3 rounds"
AVERAGE_SEEDS = "average of the stage 3 seeds"


def round_label(n: int, seed: int | None = None) -> str:
    """The curve's name for round ``n`` of stage 3 (of ``seed``, when stage 3 runs once per seed)."""
    parts = [*([f"seed {seed}"] if seed is not None else []), *([f"round {n}"] if n > 1 else [])]
    return "3 (conversation" + "".join(f", {p}" for p in parts) + ")"


@dataclasses.dataclass
class Stage3:
    """What stage 3 did: the model holding the weights that ship, its training seconds, windows and their kinds,
    and the curve labels of what ships."""

    model: Any
    seconds: float = 0.0
    windows: int = 0
    kinds: dict[str, int] = dataclasses.field(default_factory=dict)
    shipped: set[str] = dataclasses.field(default_factory=set)


def run_stage3(
    model: Any,
    cfg: TrainConfig,
    tokenizer: Any,
    work: Path,
    dev: Any,
    echo: Callable[[str], None],
    rounds_done: int,
    restart: Callable[[], Any],
) -> Stage3:
    """Stage 3 from ``model`` (``rounds_done`` rounds of it already in those weights); ``restart()`` gives the
    start again for the next seed."""
    import torch

    from qa_bot.answering.model_io import FROZEN

    seeds = tuple(cfg.conv_seeds) or (cfg.seed,)
    several = len(seeds) > 1
    conv_dev = conversation_dev_windows(cfg, tokenizer)
    done = Stage3(model)

    def as_shipped() -> dict[str, Any]:
        """Round the trained weights as they ship (fp16), in place; a copy of them."""
        with torch.no_grad():
            for name, value in done.model.state_dict().items():
                if name not in FROZEN:
                    value.copy_(value.to(torch.float16).to(value.dtype))
        return {k: v.clone() for k, v in done.model.state_dict().items() if k not in FROZEN}

    def scores() -> dict[str, Any]:
        conversation = conversation_dev_scores(done.model, conv_dev) if conv_dev else {}
        return {**squad_dev_scores(done.model, dev), **conversation}

    finals = []
    for i, seed in enumerate(seeds):
        run = dataclasses.replace(cfg, seed=seed)
        if several:  # each seed from the same start, under its own seed
            torch.manual_seed(seed)
            done.model = restart()
        own = work / f"seed-{seed}" if several else work
        own.mkdir(parents=True, exist_ok=True)
        own_seed = seed if several else None
        start = as_shipped()  # rounded in place: every round starts from weights as they ship
        # each round's end as shipped; a reader given with --init counts as the end of its last round
        ends = [start] if rounds_done else []
        for n in range(rounds_done + 1, cfg.conv_rounds + 1):
            conv = conversation_features(run, tokenizer, own, echo, conv_round=n)
            suffix = "" if n == 1 else f"-r{n}"
            done.seconds += fit(done.model, conv, run, cfg.conv_lr, own / f"checkpoint3{suffix}.pt", dev, work,
                                 echo, stage=3, label=round_label(n, own_seed), conv_dev=conv_dev)  # fmt: skip
            ends.append(as_shipped())
            done.shipped.add(round_label(n, own_seed))
            done.windows += len(conv)
            for k, n in kind_counts(conv).items():
                done.kinds[k] = done.kinds.get(k, 0) + n
        if cfg.conv_average and len(ends) > 1:  # more than one end: this run trained a round
            done.model.load_state_dict(mean_weights(ends), strict=False)
            average = AVERAGE3 + (f" (seed {seed})" if several else "")
            later = (AVERAGE_SEEDS, *(f"seed {s}" for s in seeds[i + 1 :]))
            log_average(
                work, average, scores(), echo, later=lambda stage, later=later: any(s in stage for s in later)
            )
            done.shipped.add(average)
        finals.append(as_shipped())
    if several:
        done.model.load_state_dict(mean_weights(finals), strict=False)
        log_average(work, AVERAGE_SEEDS, scores(), echo)
        done.shipped.add(AVERAGE_SEEDS)
    return done
