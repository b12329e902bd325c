"""CoQA conversations (Reddy, Chen & Manning, 2019) for the reader: its training windows and the held-out dev split.

``../shared/data/train/coqa_dev_for_training.json.gz`` holds real conversations about stories: follow-ups that lean
on earlier turns, yes/no questions, "unknown". Each answer is free-form (``input_text``) with a rationale span of the
story. Only the stories whose terms allow shipped weights to learn from them are used (:data:`SHIP_SOURCES`: CNN,
Wikipedia, literature); :data:`DEV_CNN_STORIES` CNN stories are held out of training as the conversation dev set
(:func:`split_stories`, a fixed choice by a hash of the story id), converted by :func:`to_eval_layout` into the
SQuAD v2.0 layout ``qa-bot eval`` reads, each turn with its ``history``.

A training window (:func:`build_turn_windows`) is what the reader sees at question time: sentences of the story
around the answer (like a retrieved chunk), the question with its last turns (:func:`~qa_bot.answering.windows.question_text`),
and as labels

* ``turn`` — the span: for a free-form answer, the part of the rationale that best matches it (highest token F1,
  the shortest among equals: CoQA's answers are short), for yes/no the rationale itself (the words that say so);
  and the answer kind (span / yes / no);
* ``turn_neg`` — a window of the same story without the rationale: "no answer";
* ``turn_unknown`` — an "unknown" turn, a window around the sentence most like the question: "no answer".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_bot.answering.windows import HISTORY_TURNS
from qa_bot.dev.train_data import Window, _budget, _grow, _words, draw_windows, encode, kind_counts

if TYPE_CHECKING:
    from qa_bot.dev.train import TrainConfig

__all__ = [
    "COQA_FILE",
    "DEV_CNN_STORIES",
    "SHIP_SOURCES",
    "answer_kind",
    "best_span",
    "build_turn_windows",
    "conversation_dev_scores",
    "conversation_dev_windows",
    "conversation_features",
    "load_coqa",
    "measured_only_stories",
    "split_stories",
    "to_eval_layout",
    "write_dev_split",
]

COQA_FILE = "coqa_dev_for_training.json.gz"
SHIP_SOURCES = ("cnn", "wikipedia", "gutenberg")  # CNN (Apache 2.0), Wikipedia and literature (CC BY-SA 4.0)
DEV_CNN_STORIES = 24
_TOKEN = re.compile(r"\S+")
_EDGE = re.compile(r"^[\s\"'“”‘’(\[,;:.!?-]+|[\s\"'“”‘’)\],;:.!?-]+$")


def load_coqa(path: str | Path) -> list[dict[str, Any]]:
    """The stories of a CoQA file (its own layout: ``story``, ``questions``, ``answers``, ``source``); a missing file
    is an :class:`~qa_bot.errors.InvalidInput` naming it."""
    from qa_bot.errors import InvalidInput

    p = Path(path)
    if not p.exists():
        raise InvalidInput(f"CoQA data not found: {p}")
    with gzip.open(p, "rt", encoding="utf-8") if p.suffix == ".gz" else open(p, encoding="utf-8") as f:
        return list(json.load(f)["data"])


def split_stories(
    stories: Sequence[dict[str, Any]], dev_cnn: int = DEV_CNN_STORIES
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(training stories, dev stories): the ship-safe stories, ``dev_cnn`` CNN ones held out (the first by a
    SHA-1 of their id, so the split never depends on the file's order)."""
    cnn = sorted(
        (s for s in stories if s["source"] == "cnn"), key=lambda s: hashlib.sha1(s["id"].encode()).hexdigest()
    )
    dev_ids = {s["id"] for s in cnn[:dev_cnn]}
    train = [s for s in stories if s["source"] in SHIP_SOURCES and s["id"] not in dev_ids]
    dev = [s for s in stories if s["id"] in dev_ids]
    return train, dev


def measured_only_stories(stories: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stories whose terms keep them out of every shipped weight (CoQA's exam and children's stories): no model
    of the project ever learns from them, so its outputs there are out of sample. For measuring only, never fitting
    (``scripts/check_answer_kind.py``)."""
    return [s for s in stories if s["source"] not in SHIP_SOURCES]


def answer_kind(answer: str) -> str:
    """``"yes"``, ``"no"``, ``"unknown"`` or ``"span"`` for a CoQA free-form answer."""
    a = answer.strip().lower().rstrip(".!")
    return a if a in {"yes", "no", "unknown"} else "span"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without surrounding whitespace, quotes and punctuation."""
    piece = text[start:end]
    lead = _EDGE.match(piece)
    s = start + (lead.end() if lead else 0)
    tail = _EDGE.search(text[s:end])
    e = s + tail.start() if tail else end
    return (s, e) if e > s else (start, end)


def best_span(text: str, start: int, end: int, answer: str, max_words: int = 30) -> tuple[int, int] | None:
    """The words of ``text[start:end]`` (a rationale) that best match the free-form ``answer``: highest token F1
    (SQuAD normalisation), the shortest among equals; ``None`` when no word matches."""
    from qa_bot.dev.metrics import compute_f1, normalize_answer

    words = [(start + m.start(), start + m.end()) for m in _TOKEN.finditer(text[start:end])]
    if not words or not normalize_answer(answer):
        return None
    best: tuple[float, int, tuple[int, int]] | None = None
    for i in range(len(words)):
        for j in range(i, min(len(words), i + max_words)):
            f1 = compute_f1([answer], text[words[i][0] : words[j][1]])
            key = (f1, -(j - i))
            if f1 > 0 and (best is None or key > best[:2]):
                best = (f1, -(j - i), (words[i][0], words[j][1]))
    return _trim(text, *best[2]) if best else None


def _history(turns: Sequence[tuple[dict[str, Any], dict[str, Any]]], t: int) -> tuple[tuple[str, str], ...]:
    return tuple(
        (turns[k][0]["input_text"].strip(), turns[k][1]["input_text"].strip())
        for k in range(max(0, t - HISTORY_TURNS), t)
    )


def build_turn_windows(
    stories: Sequence[dict[str, Any]],
    split: Callable[[list[str]], list[list[tuple[int, int]]]],
    rng: random.Random,
    negative_rate: float,
) -> list[Window]:
    """Training windows for every turn of ``stories`` (see the module docstring); ``split`` gives sentence spans."""
    out: list[Window] = []
    sentences = split([s["story"] for s in stories])
    for story, sents in zip(stories, sentences, strict=True):
        text = story["story"]
        if not sents:
            continue
        turns = list(zip(story["questions"], story["answers"], strict=True))
        for t, (q, a) in enumerate(turns):
            question = q["input_text"].strip()
            history = _history(turns, t)
            kind = answer_kind(a["input_text"])
            if not question:
                continue
            if kind == "unknown" or a.get("span_start", -1) < 0:
                qw = _words(question)
                best = max(range(len(sents)), key=lambda k: len(qw & _words(text[sents[k][0] : sents[k][1]])))
                i, j = _grow(sents, best, best, _budget(rng), rng)
                out.append(Window(question, text[sents[i][0] : sents[j][1]], None, "turn_unknown", history))
                continue
            r_start, r_end = _trim(text, int(a["span_start"]), int(a["span_end"]))
            target = best_span(text, r_start, r_end, a["input_text"]) if kind == "span" else (r_start, r_end)
            if target is None:
                continue
            i = next((k for k, (s, e) in enumerate(sents) if s <= target[0] < e), None)
            j = next((k for k, (s, e) in enumerate(sents) if s < target[1] <= e), None)
            if i is None or j is None or j < i:
                continue
            i, j = _grow(sents, i, j, _budget(rng), rng)
            ws, we = sents[i][0], sents[j][1]
            out.append(Window(question, text[ws:we], (target[0] - ws, target[1] - ws), "turn", history, kind))
            if rng.random() < negative_rate:
                others = [k for k, (s, e) in enumerate(sents) if e <= r_start or s >= r_end]
                if others:
                    k = rng.choice(others)
                    ni, nj = _grow(sents, k, k, _budget(rng), rng)
                    ns, ne = sents[ni][0], sents[nj][1]
                    if ne <= r_start or ns >= r_end:  # grown, it still leaves the rationale out
                        out.append(Window(question, text[ns:ne], None, "turn_neg", history))
    return out


def _conversation(story: dict[str, Any]) -> list[list[str]]:
    return [[q["input_text"].strip(), a["input_text"].strip()] for q, a in zip(story["questions"], story["answers"],
                                                                              strict=True)]  # fmt: skip


def to_eval_layout(
    stories: Sequence[dict[str, Any]], name: str = "CoQA", *, switched: bool = False
) -> dict[str, Any]:
    """The stories as a SQuAD v2.0 file for ``qa-bot eval``: one article per story, every turn a question with
    every earlier turn (gold answers) as its ``history``, as a chat would pass it; "unknown" turns unanswerable; the
    gold answer is CoQA's free-form answer ("yes"/"no" for yes/no turns), ``answer_start`` the start of its
    rationale. ``switched``: a conversation that moves to another story: every history starts with the whole
    conversation about the story before (the last story's before the first), so that a story's first turns follow
    another story's."""
    data = []
    conversations = [_conversation(story) for story in stories]
    for n, story in enumerate(stories):
        turns = list(zip(story["questions"], story["answers"], strict=True))
        before = conversations[n - 1] if switched and len(stories) > 1 else []
        qas = []
        for t, (q, a) in enumerate(turns):
            kind = answer_kind(a["input_text"])
            qas.append(
                {
                    "id": f"{story['id']}_{q['turn_id']}",
                    "question": q["input_text"].strip(),
                    "is_impossible": kind == "unknown",
                    "answers": []
                    if kind == "unknown"
                    else [{"text": a["input_text"].strip(), "answer_start": int(a.get("span_start", 0))}],
                    "history": before + conversations[n][:t],
                }
            )
        title = f"{story['source']} {story['id'][:8]}"
        data.append({"title": title, "paragraphs": [{"context": story["story"], "qas": qas}]})
    return {"version": f"{name} (converted by qa_bot.dev.coqa)", "data": data}


def write_dev_split(data_dir: Path, out: Path, *, switched: bool = False) -> Path:
    """The held-out CNN stories of ``data_dir``'s CoQA file, in the eval layout (``switched``: see
    :func:`to_eval_layout`), written to ``out``."""
    _, dev = split_stories(load_coqa(Path(data_dir) / COQA_FILE))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            to_eval_layout(dev, "CoQA CNN dev split", switched=switched), ensure_ascii=False, indent=1
        ),
        "utf-8",
    )
    return out


# -- stage 3 of qa-bot train-reader: its windows and its dev curve -------------------------------------------
def conversation_features(
    cfg: TrainConfig, tokenizer: Any, work: Path, echo: Callable[[str], None], conv_round: int = 1
) -> list[dict[str, Any]]:
    """Stage 3's encoded windows for round ``conv_round``: CoQA turns with their history (``cfg.conv_passes``
    draws) and a sample of SQuAD windows, each round drawn afresh (its own seeds); drawn once and kept in ``work``."""
    import dataclasses

    import numpy as np
    import torch

    from qa_bot.dev.train_data import _splitter

    path = work / ("features3.pt" if conv_round == 1 else f"features3-r{conv_round}.pt")
    cfg = dataclasses.replace(cfg, seed=cfg.seed + 1000 * (conv_round - 1))
    if path.exists():
        features = torch.load(path, weights_only=False)
    else:
        source = Path(cfg.data_dir) / COQA_FILE
        if not source.exists():
            from qa_bot.errors import InvalidInput

            raise InvalidInput(f"Training data not found: {source}")
        train, _ = split_stories(load_coqa(source))
        if cfg.conv_stories:
            train = train[: cfg.conv_stories]
        echo(
            f"stage 3 (round {conv_round}): drawing windows from {len(train)} CoQA stories"
            f" and {cfg.conv_squad_windows:,} SQuAD ..."
        )
        split = _splitter()
        windows: list[Window] = []
        for n in range(cfg.conv_passes):
            windows += build_turn_windows(
                train, split, random.Random(cfg.seed + 30 + n), cfg.conv_negative_rate
            )
        for n in range(cfg.conv_yes_no_extra):  # yes/no turns are one in six: drawn more often
            drawn = build_turn_windows(train, split, random.Random(cfg.seed + 60 + n), 0.0)
            windows += [w for w in drawn if w.kind in {"yes", "no"}]
        if cfg.conv_squad_windows:
            fresh = dataclasses.replace(cfg, seed=cfg.seed + 100)
            squad = draw_windows(fresh, split, stage=2, swap_rate=0.25)
            windows += random.Random(cfg.seed + 3).sample(squad, min(len(squad), cfg.conv_squad_windows))
        random.Random(cfg.seed + 4).shuffle(windows)
        features = encode(tokenizer, windows, cfg.max_question_tokens, cfg.conv_max_tokens)
        torch.save(features, path)
    kinds = kind_counts(features)
    mean = np.mean([len(f["ids"]) for f in features])
    echo(f"stage 3 (round {conv_round}): {len(features):,} windows: {kinds}; mean length {mean:.0f} tokens")
    return features


def conversation_dev_windows(cfg: TrainConfig, tokenizer: Any) -> list[dict[str, Any]]:
    """A fixed sample of the held-out CoQA CNN turns, each with its history and the whole story cut into reader
    windows."""
    from qa_bot.answering.windows import encode_windows

    source = Path(cfg.data_dir) / COQA_FILE
    if not source.exists() or cfg.conv_dev_turns <= 0:
        return []
    _, dev = split_stories(load_coqa(source))
    items = [
        (qa, p["context"]) for a in to_eval_layout(dev)["data"] for p in a["paragraphs"] for qa in p["qas"]
    ]
    random.Random(0).shuffle(items)
    out = []
    for qa, story in items[: cfg.conv_dev_turns]:
        history = [tuple(h) for h in qa["history"]]
        enc = encode_windows(tokenizer, qa["question"], [story], cfg.conv_max_tokens, 64, history=history)
        golds = [a["text"] for a in qa["answers"]]
        out.append({"golds": golds, "enc": enc, "text": story})
    return out


def conversation_dev_scores(model: Any, dev: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """On held-out conversation turns (story given, best span, no abstention): F1 with yes/no answered by the
    answer-kind head of the best span's window, and the share of yes/no turns answered right."""
    import torch

    from qa_bot.answering.network import KINDS as ANSWER_KINDS
    from qa_bot.dev.curve import read_best
    from qa_bot.dev.metrics import compute_f1

    model.eval()
    f1s, yes_no = [], []
    with torch.inference_mode():
        for item in dev:
            out, spans, _, text = read_best(model, item)
            if spans:
                kind = ANSWER_KINDS[int(out.kind_logits[spans[0].window].argmax())]
                text = kind if kind != "span" else text
            f1s.append(compute_f1(item["golds"], text))
            if item["golds"] and item["golds"][0].strip().lower().rstrip(".") in {"yes", "no"}:
                yes_no.append(f1s[-1])
    return {
        "dev_conv_f1": round(100 * float(sum(f1s) / max(1, len(f1s))), 1),
        "dev_yes_no": round(100 * float(sum(yes_no) / max(1, len(yes_no))), 1),
    }
