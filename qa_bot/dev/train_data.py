"""The reader's training data: windows drawn from ``../shared/data/train`` (see :mod:`qa_bot.dev.train` for
what each kind teaches), encoded, and batched by length.

Kinds of window: ``pos`` (the answer's sentence grown by neighbours), ``neg`` (a window of the same article
without the answer), ``unans`` (around the sentence most like a real unanswerable question), ``swap`` (a ``pos``
window whose question had a name or number swapped for one the window never mentions: unanswerable); from CoQA
conversations (:mod:`qa_bot.dev.coqa`) ``turn``, ``turn_neg`` and ``turn_unknown``, the same three with the
question's earlier turns.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa_bot.dev.train import TrainConfig

__all__ = ["KINDS", "TRAIN_FILES", "Window", "batches", "build_windows", "collate", "draw_windows", "encode",
           "kind_counts", "load_squad", "question_names", "swap"]  # fmt: skip

KINDS = ("pos", "neg", "unans", "swap", "turn", "turn_neg", "turn_unknown")  # the last three: CoQA (coqa.py)
TRAIN_FILES = ("squad_v1.1_train.json.gz", "squad_v2.0_dev_for_training.json.gz")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Window:
    """One training example: a question and a piece of its article; ``answer`` is (start, end) in ``text``
    or ``None`` for "no answer here"."""

    question: str
    text: str
    answer: tuple[int, int] | None
    source: str  # "pos", "neg" (same article, answer elsewhere), "unans" (unanswerable question), "swap" (see swap())
    history: tuple[tuple[str, str], ...] = ()  # earlier turns of a conversation (CoQA), oldest first
    kind: str | None = None  # "span", "yes" or "no" where the window holds the answer; None: not learned here


# -- data --------------------------------------------------------------------------------------------------
def load_squad(path: Path) -> list[dict[str, Any]]:
    """The articles of a SQuAD-layout file (``.json`` or ``.json.gz``); a missing file is an :class:`InvalidInput`
    naming it."""
    from qa_bot.errors import InvalidInput

    if not path.exists():
        raise InvalidInput(f"SQuAD training data not found: {path}")
    with (
        gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8") as f
    ):
        return json.load(f)["data"]


def _words(text: str) -> set[str]:
    from qa_bot.text import is_stop_word, stem

    return {stem(w) for w in _WORD.findall(text.lower()) if not is_stop_word(w)}


def _grow(
    sents: Sequence[tuple[int, int]], i: int, j: int, budget: int, rng: random.Random
) -> tuple[int, int]:
    """Grow the sentence range [i, j] by whole neighbours, a random side at a time, while it fits ``budget``
    characters."""
    while True:
        sides = [s for s in ("l", "r") if (s == "l" and i > 0) or (s == "r" and j < len(sents) - 1)]
        if not sides:
            return i, j
        side = rng.choice(sides)
        ni, nj = (i - 1, j) if side == "l" else (i, j + 1)
        if sents[nj][1] - sents[ni][0] > budget:
            return i, j
        i, j = ni, nj


def _budget(rng: random.Random) -> int:
    return rng.choice((150, 250, 350, 450, 550, 650))


def build_windows(
    articles: Sequence[dict[str, Any]],
    split: Callable[[list[str]], list[list[tuple[int, int]]]],
    rng: random.Random,
    negative_rate: float,
    swap_rate: float = 0.0,
    names: Sequence[str] = (),
) -> list[Window]:
    """Training windows from SQuAD-layout ``articles``; ``split`` returns sentence spans for each text.
    ``swap_rate``: the share of answerable questions that also yield an unanswerable one (see :func:`swap`),
    replacement names drawn from ``names``."""
    out: list[Window] = []
    for art in articles:
        paras = [p["context"] for p in art["paragraphs"]]
        spans = split(paras)
        # every sentence of the article, for negatives: (paragraph, sentence index, word set)
        pool = [
            (pi, si, _words(paras[pi][s:e])) for pi, sp in enumerate(spans) for si, (s, e) in enumerate(sp)
        ]
        for pi, para in enumerate(art["paragraphs"]):
            ctx, sents = para["context"], spans[pi]
            if not sents:
                continue
            for qa in para["qas"]:
                q = qa["question"].strip()
                if not q:
                    continue
                answers = [] if qa.get("is_impossible") else qa.get("answers", [])
                if answers:
                    a = answers[0]
                    a_s = int(a["answer_start"])
                    a_e = a_s + len(a["text"])
                    if ctx[a_s:a_e] != a["text"] or not a["text"].strip():
                        continue
                    i = next((k for k, (s, e) in enumerate(sents) if s <= a_s < e), None)
                    j = next((k for k, (s, e) in enumerate(sents) if s < a_e <= e), None)
                    if i is None or j is None or j < i:
                        continue
                    i, j = _grow(sents, i, j, _budget(rng), rng)
                    ws, we = sents[i][0], sents[j][1]
                    out.append(Window(q, ctx[ws:we], (a_s - ws, a_e - ws), "pos", kind="span"))
                    if swap_rate and rng.random() < swap_rate:
                        other = swap(q, ctx[ws:we], names, rng)
                        if other is not None:
                            out.append(Window(other, ctx[ws:we], None, "swap"))
                    if rng.random() < negative_rate:
                        neg = _negative(q, [x["text"] for x in answers], pool, paras, spans, rng)
                        if neg is not None:
                            out.append(neg)
                else:
                    qw = _words(q)
                    best = max(
                        range(len(sents)), key=lambda k: len(qw & _words(ctx[sents[k][0] : sents[k][1]]))
                    )
                    i, j = _grow(sents, best, best, _budget(rng), rng)
                    out.append(Window(q, ctx[sents[i][0] : sents[j][1]], None, "unans"))
    return out


_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+|de\s+|von\s+|van\s+)?[A-Z][\w'’-]*)*")
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")


def question_names(questions: Sequence[str]) -> list[str]:
    """Capitalised names inside questions (not their first word): the pool :func:`swap` draws from."""
    return sorted({m.group() for q in questions for m in _NAME.finditer(q) if m.start() > 0})


def swap(question: str, window: str, names: Sequence[str], rng: random.Random) -> str | None:
    """The question made unanswerable from ``window``, the way SQuAD 2.0's crowdworkers often did it: a name or
    number of the question that the window states is replaced by one the window never mentions ("Who is the mayor
    of Riverside?" -> "Who is the mayor of Tehran?"). ``None`` when the question names nothing the window has."""
    low = window.lower()
    spots = [m for m in _NAME.finditer(question) if m.start() > 0 and m.group().lower() in low]
    spots += [m for m in _NUMBER.finditer(question) if m.group() in window]
    if not spots or not names:
        return None
    m = rng.choice(spots)
    if m.group()[0].isdigit():
        digits = m.group().replace(",", "")
        value = float(digits) if "." in digits else int(digits)
        new = str(value + rng.choice([-1, 1]) * rng.randint(2, 40))
    else:
        new = rng.choice(names)
        for _ in range(10):
            if new.lower() not in low and new != m.group():
                break
            new = rng.choice(names)
        else:
            return None
    if new.lower() in low:
        return None
    return question[: m.start()] + new + question[m.end() :]


def _negative(
    q: str,
    answer_texts: Sequence[str],
    pool: Sequence[tuple[int, int, set[str]]],
    paras: Sequence[str],
    spans: Sequence[Sequence[tuple[int, int]]],
    rng: random.Random,
) -> Window | None:
    """A window of the same article that does not hold any gold answer: usually the one sharing most words with
    the question (a hard negative, as retrieval would hand it over), sometimes a random one."""
    lowered = [a.lower() for a in answer_texts if a.strip()]
    qw = _words(q)
    order = (
        sorted(pool, key=lambda t: -len(qw & t[2]))
        if rng.random() < 0.7
        else rng.sample(list(pool), len(pool))
    )
    for pi, si, _ in order[:12]:
        sents = spans[pi]
        i, j = _grow(sents, si, si, _budget(rng), rng)
        text = paras[pi][sents[i][0] : sents[j][1]]
        low = text.lower()
        if not any(a in low for a in lowered):
            return Window(q, text, None, "neg")
    return None


def _splitter() -> Callable[[list[str]], list[list[tuple[int, int]]]]:
    from qa_bot.ingest import split_sentences
    from qa_bot.models import get_nlp

    nlp = get_nlp()
    return lambda texts: [split_sentences(t, nlp) for t in texts]


def draw_windows(
    cfg: TrainConfig,
    split: Callable[[list[str]], list[list[tuple[int, int]]]] | None = None,
    stage: int = 1,
    swap_rate: float = 0.0,
) -> list[Window]:
    """Training windows for ``cfg``, shuffled with ``cfg.seed``. Stage 1: every window of the SQuAD v2.0 training
    articles (the only real unanswerables) and as many SQuAD v1.1 windows as make up ``cfg.windows``. Stage 2: the
    v2.0 articles drawn again with another seed, and v1.1 paragraphs after those stage 1 took, up to
    ``cfg.stage2_windows``, with "swap" windows for ``swap_rate`` of the answerable questions."""
    split = split or _splitter()
    rng = random.Random(cfg.seed)
    data = Path(cfg.data_dir)
    missing = [f for f in TRAIN_FILES if not (data / f).exists()]
    if missing:
        from qa_bot.errors import InvalidInput

        raise InvalidInput(f"Training data not found in {data}: {', '.join(missing)}")
    v1 = load_squad(data / TRAIN_FILES[0])
    v2 = load_squad(data / TRAIN_FILES[1])
    windows = build_windows(v2, split, rng, cfg.negative_rate)
    # v1.1: whole paragraphs, in a seeded order, until the budget is filled
    paras = [(a["title"], p) for a in v1 for p in a["paragraphs"]]
    rng.shuffle(paras)
    per_q = 1 + cfg.negative_rate
    cut = _fill(paras, 0, max(0, cfg.windows - len(windows)) / per_q)
    names: list[str] = []
    if stage == 2:
        rng = random.Random(cfg.seed + 1)
        names = question_names([qa["question"] for a in v1 for p in a["paragraphs"] for qa in p["qas"]])
        windows = build_windows(v2, split, rng, cfg.negative_rate, swap_rate, names)
        taken = paras[cut : _fill(paras, cut, max(0, cfg.stage2_windows - len(windows)) / per_q)]
        budget = cfg.stage2_windows
    else:
        taken, budget, swap_rate = paras[:cut], cfg.windows, 0.0
    by_title: dict[str, list[dict[str, Any]]] = {}
    for title, p in taken:
        by_title.setdefault(title, []).append(p)
    # negatives come from the whole article, not only the taken paragraphs
    full = {a["title"]: a["paragraphs"] for a in v1}
    for title, ps in by_title.items():
        keep = {id(p) for p in ps}
        sub = [p if id(p) in keep else {**p, "qas": []} for p in full[title]]
        windows += build_windows(
            [{"title": title, "paragraphs": sub}], split, rng, cfg.negative_rate, swap_rate, names
        )
    rng.shuffle(windows)
    return windows[:budget]


def _fill(paras: Sequence[tuple[str, dict[str, Any]]], start: int, questions: float) -> int:
    """The index after the paragraphs from ``start`` that hold at least ``questions`` questions."""
    count, i = 0.0, start
    while i < len(paras) and count < questions:
        count += len(paras[i][1]["qas"])
        i += 1
    return i


# -- features ----------------------------------------------------------------------------------------------
def encode(
    tokenizer: Any, windows: Sequence[Window], max_question_tokens: int, max_tokens: int
) -> list[dict[str, Any]]:
    """Token ids, start/end labels ([CLS] = 0 for "no answer") and the answer-kind label (``-100``: none); a window
    whose answer does not fit is dropped. The question segment is what the reader sees at question time
    (:func:`qa_bot.answering.windows.question_text`: the question in its conversation)."""
    from qa_bot.answering.network import IGNORE
    from qa_bot.answering.network import KINDS as ANSWER_KINDS
    from qa_bot.answering.windows import question_text

    enc = tokenizer.encode_pairs(
        [question_text(tokenizer, w.question, w.history, max_question_tokens) for w in windows],
        [w.text for w in windows],
        max_tokens,
        overflow=False,
    )
    out = []
    for n, w in enumerate(windows):
        length = int(enc.attention_mask[n].sum())
        ids = [int(i) for i in enc.input_ids[n][:length]]
        types = [int(t) for t in enc.token_type_ids[n][:length]]
        offsets = enc.offsets[n]
        if w.answer is None:
            s_tok = e_tok = 0
        else:
            a_s, a_e = w.answer
            ctx = [k for k, o in enumerate(offsets) if o is not None]
            s_tok = next((k for k in ctx if offsets[k][0] <= a_s < offsets[k][1]), None)
            if s_tok is None:
                s_tok = next((k for k in ctx if offsets[k][0] >= a_s), None)
            e_tok = next((k for k in reversed(ctx) if offsets[k][0] < a_e <= offsets[k][1]), None)
            if e_tok is None:
                e_tok = next((k for k in reversed(ctx) if offsets[k][1] <= a_e), None)
            if s_tok is None or e_tok is None or e_tok < s_tok or offsets[ctx[-1]][1] < a_e:
                continue  # the answer was cut off by truncation
        kind = ANSWER_KINDS.index(w.kind) if w.kind is not None else IGNORE
        out.append({"ids": ids, "types": types, "start": s_tok, "end": e_tok, "src": w.source,
                    "kind": kind})  # fmt: skip
    return out


def kind_counts(features: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many of the encoded ``features`` are of each kind of window (:data:`KINDS`, every kind listed)."""
    counts = Counter(f["src"] for f in features)
    return {k: counts[k] for k in KINDS}


def batches(features: Sequence[dict[str, Any]], batch_size: int, seed: int) -> list[list[int]]:
    """Length-bucketed batches in a seeded order: shuffle, sort 50 batches' worth by length, cut, shuffle."""
    rng = random.Random(seed)
    order = list(range(len(features)))
    rng.shuffle(order)
    out: list[list[int]] = []
    span = batch_size * 50
    for i in range(0, len(order), span):
        block = sorted(order[i : i + span], key=lambda k: len(features[k]["ids"]))
        out += [block[j : j + batch_size] for j in range(0, len(block), batch_size)]
    rng.shuffle(out)
    return out


def collate(features: Sequence[dict[str, Any]], idx: Sequence[int]) -> dict[str, Any]:
    import torch

    width = max(len(features[k]["ids"]) for k in idx)
    ids = torch.zeros((len(idx), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for r, k in enumerate(idx):
        f = features[k]
        n = len(f["ids"])
        ids[r, :n] = torch.tensor(f["ids"])
        types[r, :n] = torch.tensor(f["types"])
        mask[r, :n] = 1
    return {
        "input_ids": ids,
        "token_type_ids": types,
        "attention_mask": mask,
        "start_positions": torch.tensor([features[k]["start"] for k in idx]),
        "end_positions": torch.tensor([features[k]["end"] for k in idx]),
        "kind_labels": torch.tensor([features[k].get("kind", -100) for k in idx]),
    }
