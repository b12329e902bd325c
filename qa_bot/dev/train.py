"""Train the extractive reader: MiniLM (the installed embedding model's BERT encoder) with a span head.

``qa-bot train-reader`` (or ``make train-reader``) reproduces the committed model from
``../shared/data/train`` alone, with a fixed seed. What the reader is shown is what it sees at question time:

* **positive windows** — the answer's sentence grown by whole neighbouring sentences to a random length (about
  one to five sentences, like the windows :mod:`qa_bot.answering.windows` cuts from retrieved passages), the gold span
  labelled;
* **negative windows from the same article** — sentences that share the most words with the question but do not
  hold its answer (what retrieval hands the reader when the answer is elsewhere), labelled "no answer" ([CLS]);
* **real unanswerable questions** (the 30 SQuAD v2.0 dev articles kept for training) — a window around the
  sentence most like the question, labelled "no answer".

Speed on 2 CPU cores: word embeddings frozen (they stay the installed base model's, so only the rest ships),
length-bucketed batches, dynamic padding. The run checkpoints every ``checkpoint_every`` steps and resumes from
there, and prints a loss / dev-F1 curve. Dev numbers come from the dev sets (never the training data).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qa_bot.dev.curve import squad_dev_scores, squad_dev_windows
from qa_bot.dev.train_data import KINDS, draw_windows, encode, kind_counts
from qa_bot.dev.train_loop import fit, log_average, mean_weights
from qa_bot.dev.train_stage3 import AVERAGE3, AVERAGE_SEEDS, run_stage3

__all__ = ["TrainConfig", "train_reader", "training_device"]


@dataclass(frozen=True)
class TrainConfig:
    data_dir: str = "../shared/data/train"
    out_dir: str = "qa_bot/answering/model"
    work_dir: str = "out/train-reader"  # checkpoints (resumable), curve; not committed
    dev_file: str = "../shared/data/squad2_dev_2articles.json"
    windows: int = 100_000  # stage-1 training windows drawn (about 2/3 positive)
    batch_size: int = 32
    lr: float = 1e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    negative_rate: float = 0.35  # a same-article negative window for this share of answerable questions
    max_question_tokens: int = 48
    max_tokens: int = 192
    seed: int = 13
    checkpoint_every: int = 100
    eval_every: int = 250
    eval_questions: int = 240
    threads: int = 0  # 0 = torch's default
    bf16: bool = False
    device: str = "cpu"  # "cpu", "cuda" or "auto" (cuda where torch sees one)
    # stage 2 (0 = none): continue from stage 1 on fresh windows -- every SQuAD v2.0 training article drawn again
    # (other window extents and negatives) and SQuAD v1.1 paragraphs stage 1 did not use -- at a lower rate. It runs
    # once per swap rate (the share of answerable questions that also yield a "swap" window: a name or number
    # swapped for one the window lacks), each from stage 1's weights; the shipped weights are their average
    stage2_windows: int = 30_000
    stage2_lr: float = 3e-5
    stage2_swap_rates: tuple[float, ...] = (0.0, 0.25, 0.5)
    # stage 3 (conversation; 0 passes = none): from stage 2's weights as shipped (fp16), the CoQA turns of the
    # ship-safe stories (coqa.py; the dev CNN stories held out) with their history, drawn ``conv_passes`` times,
    # mixed with ``conv_squad_windows`` SQuAD windows (a sample of a fresh stage-2 draw) so single questions keep
    # their skill; windows of up to ``conv_max_tokens`` tokens. ``init_dir``: start stage 3 from this saved reader
    # instead of running stages 1 and 2 (it must be their result, e.g. the reader at an earlier commit). Stage 3
    # runs ``conv_rounds`` times, each round from the last one's weights as shipped (fp16) on a fresh draw of the
    # turns (seed + 1000 per round); a reader given as ``init_dir`` that ran some rounds already goes on from there.
    # ``conv_average``: ship the mean of the rounds' end weights (measured better than the last round alone)
    conv_rounds: int = 2
    conv_average: bool = True
    conv_passes: int = 2
    conv_negative_rate: float = 0.35
    conv_yes_no_extra: int = 2  # more draws of the yes/no turns alone
    conv_squad_windows: int = 10_000
    conv_lr: float = 3e-5
    conv_max_tokens: int = 256
    conv_stories: int = 0  # 0 = every training story (a small number: the CI's tiny slice)
    conv_dev_turns: int = 300
    kind_weight: float = 1.0
    new_head_lr_scale: float = 10.0  # the answer-kind head's learning rate over the rest's
    init_dir: str = ""
    # stage 3 once per seed, each from the same start on draws of its own; the shipped weights are their mean
    # (train_stage3.py). () = ``seed`` alone, as before
    conv_seeds: tuple[int, ...] = ()


# the fields that decide each stage's windows and run: its checkpoint is reused only while these are unchanged
STAGE2_FILES = ("features2-*.pt", "checkpoint2-*.pt")
STAGE2_KEYS = (
    "stage2_windows",
    "stage2_lr",
)  # each swap rate has files of its own: adding one keeps the others
STAGE1_KEYS = ("data_dir", "windows", "batch_size", "lr", "warmup", "weight_decay", "negative_rate",
               "max_question_tokens", "max_tokens", "seed")  # fmt: skip
STAGE3_FILES = ("features3.pt", "checkpoint3.pt", "features3-r*.pt", "checkpoint3-r*.pt", "seed-*/*3*.pt")
STAGE3_KEYS = ("conv_passes", "conv_negative_rate", "conv_yes_no_extra", "conv_squad_windows", "conv_lr", "conv_max_tokens",
               "conv_stories", "kind_weight", "new_head_lr_scale", "init_dir")  # fmt: skip


# -- training ----------------------------------------------------------------------------------------------
def train_reader(cfg: TrainConfig, echo: Callable[[str], None] = print) -> Path:
    """Train (or resume) and export the reader to ``cfg.out_dir``. Returns that directory."""
    import numpy as np
    import torch

    from qa_bot.answering.model_io import load_base, load_reader, load_tokenizer, save_reader

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    work = Path(cfg.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    device = training_device(cfg.device)
    tokenizer = load_tokenizer()
    _forget_changed_stages(cfg, work)
    dev = squad_dev_windows(cfg, tokenizer)
    features: list[dict[str, Any]] = []
    elapsed = 0.0
    rounds_done = 0
    if cfg.init_dir:
        prior = json.loads((Path(cfg.init_dir) / "reader.json").read_text("utf-8"))
        rounds_done = len(
            {str(p["stage"]) for p in prior.get("curve", []) if str(p.get("stage", "1")).startswith("3")}
        )
        echo(f"stages 1 and 2{' and ' + str(rounds_done) + ' round(s) of stage 3' if rounds_done else ''}:"
             f" taken from the reader in {cfg.init_dir}")  # fmt: skip
        model = _frozen(load_reader(cfg.init_dir, new_heads=True).to(device))
        elapsed = 60.0 * float(prior.get("train_minutes", 0.0))
        features_count, kinds = int(prior.get("windows", 0)), dict(prior.get("kinds", {}))
        curve_before = list(prior.get("curve", []))
    else:
        features = _features(cfg, tokenizer, work, 1, echo)
        model = _frozen(load_base().to(device))
        elapsed = fit(model, features, cfg, cfg.lr, work / "checkpoint.pt", dev, work, echo)
        if cfg.stage2_windows > 0:
            start, rng = {k: v.clone() for k, v in model.state_dict().items()}, torch.get_rng_state()
            ends = []
            for i, rate in enumerate(cfg.stage2_swap_rates):
                model.load_state_dict(start)  # every variant starts from stage 1's weights
                torch.set_rng_state(rng)
                more = _features(cfg, tokenizer, work, 2, echo, swap_rate=rate)
                elapsed += fit(model, more, cfg, cfg.stage2_lr, work / f"checkpoint2-swap{rate:g}.pt", dev, work,
                               echo, stage=2, label=f"2{'abcdefgh'[i]} (swap {rate:g})")  # fmt: skip
                ends.append({k: v.clone() for k, v in model.state_dict().items()})
                features = features + more
            model.load_state_dict(mean_weights(ends))
            log_average(work, "average of stage 2", squad_dev_scores(model, dev), echo,
                        later=lambda stage: stage.startswith(("3", AVERAGE3, AVERAGE_SEEDS)))  # fmt: skip
        features_count = len(features)
        kinds = kind_counts(features)
        curve_before = []
    shipped: set[str] = set()
    if cfg.conv_passes > 0:
        begin = {} if cfg.init_dir else {k: v.clone() for k, v in model.state_dict().items()}

        def restart() -> Any:
            """Stage 3's start again, for the next seed: the --init reader loaded anew, or stage 2's end."""
            if cfg.init_dir:
                return _frozen(load_reader(cfg.init_dir, new_heads=True).to(device))
            model.load_state_dict(begin)
            return model

        stage3 = run_stage3(model, cfg, tokenizer, work, dev, echo, rounds_done, restart)
        model, elapsed, features_count = (
            stage3.model,
            elapsed + stage3.seconds,
            features_count + stage3.windows,
        )
        kinds = {k: kinds.get(k, 0) + stage3.kinds.get(k, 0) for k in KINDS}
        shipped = stage3.shipped
    # the points of what ships: not those of a later round, seed or average that an earlier run made here
    points = [json.loads(x) for x in (work / "curve.jsonl").read_text().splitlines() if x.strip()]
    curve = curve_before + [
        p
        for p in points
        if p["stage"] in shipped or not str(p["stage"]).startswith(("3", AVERAGE3, AVERAGE_SEEDS))
    ]
    meta = {"config": asdict(cfg), "train_minutes": round(elapsed / 60, 1), "windows": features_count,
            "kinds": kinds, "curve": curve}  # fmt: skip
    if cfg.init_dir:  # what the run went on from: that reader's own record, for the card
        meta["init"] = {
            "rounds_done": rounds_done,
            "config": prior.get("config", {}),
            "init": prior.get("init"),
        }
    out = save_reader(model.cpu(), cfg.out_dir, meta=meta)
    echo(f"saved {out} ({elapsed / 60:.1f} min of training; {time.time() - started:.0f} s this run)")
    return out


def training_device(name: str) -> Any:
    """The torch device training runs on: ``auto`` is cuda where torch sees one, else the CPU."""
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        from qa_bot.errors import InvalidInput

        raise InvalidInput("--device cuda: torch sees no CUDA device here (use --device cpu or auto).")
    return torch.device(name)


def _frozen(model: Any) -> Any:
    """``model`` with its word embeddings frozen (they stay the base model's, so they never ship)."""
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def _forget_changed_stages(cfg: TrainConfig, work: Path) -> None:
    """Drop what a changed configuration makes stale: everything when stage 1 changed, stage 2's files when only
    stage 2 did (stage 1's finished checkpoint is kept)."""
    now = json.loads(json.dumps(asdict(cfg)))  # as saved: tuples become lists
    path = work / "config.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    stale: list[str] = []
    keep: Callable[[str], bool] = lambda stage: True  # noqa: E731
    if any(saved.get(k) != now[k] for k in STAGE1_KEYS):
        stale = ["features.pt", "checkpoint.pt", "curve.jsonl", *STAGE2_FILES, *STAGE3_FILES]
    elif any(saved.get(k) != now[k] for k in STAGE2_KEYS):
        stale = [*STAGE2_FILES, *STAGE3_FILES]
        keep = lambda stage: stage == "1"  # noqa: E731
    elif any(saved.get(k) != now[k] for k in STAGE3_KEYS):
        stale = list(STAGE3_FILES)
        keep = lambda stage: not stage.startswith(("3", AVERAGE3, AVERAGE_SEEDS))  # noqa: E731
    curve = work / "curve.jsonl"
    if stale and curve.exists():  # keep the points of the stages that stay
        lines = [
            x
            for x in curve.read_text().splitlines()
            if x.strip() and keep(str(json.loads(x).get("stage", 1)))
        ]
        curve.write_text("".join(x + "\n" for x in lines))
    for name in stale:
        for f in work.glob(name):
            f.unlink()
    path.write_text(json.dumps({k: now[k] for k in (*STAGE1_KEYS, *STAGE2_KEYS, *STAGE3_KEYS)}, indent=1))


def _features(
    cfg: TrainConfig,
    tokenizer: Any,
    work: Path,
    stage: int,
    echo: Callable[[str], None],
    swap_rate: float = 0.0,
) -> list[dict[str, Any]]:
    """Stage ``stage``'s encoded windows (for stage 2, with ``swap_rate``), drawn once and kept in ``work`` for
    resumed runs."""
    import numpy as np
    import torch

    path = work / ("features.pt" if stage == 1 else f"features2-swap{swap_rate:g}.pt")
    if path.exists():
        features = torch.load(path, weights_only=False)
    else:
        budget = cfg.windows if stage == 1 else cfg.stage2_windows
        echo(f"stage {stage}: drawing {budget:,} training windows from {cfg.data_dir} ...")
        windows = draw_windows(cfg, stage=stage, swap_rate=swap_rate)
        features = encode(tokenizer, windows, cfg.max_question_tokens, cfg.max_tokens)
        torch.save(features, path)
    kinds = kind_counts(features)
    mean = np.mean([len(f["ids"]) for f in features])
    echo(f"stage {stage}: {len(features):,} windows: {kinds}; mean length {mean:.0f} tokens")
    return features
