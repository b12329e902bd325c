"""Fit the answer-kind decision (:mod:`qa_bot.answering.kind`) on CoQA's conversations: ``qa-bot fit-answer-kind``.

Every answered turn of the ship-safe training stories (the dev split held out, :func:`~qa_bot.dev.coqa.split_stories`)
is read as the reader reads it at question time: the question with its last turns, against a window of the story's
sentences around the rationale (:func:`~qa_bot.dev.coqa.build_turn_windows`, a fixed seed). The best span and the
answer-kind head's probabilities give the features; the labels are CoQA's: yes/no vs span for the kind model, yes vs
no (yes/no turns only) for the polarity model. Both are L2-regularised logistic regressions (scikit-learn), their
strength chosen by 5-fold cross-validation grouped by story (no story's turns in two folds); the cross-validated
accuracy and AUC are stored with the weights. The held-out CoQA CNN dev split is scored with ``qa-bot eval``, never
fitted on.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa_bot.answering.kind import (
    ANSWER_KIND_FILE,
    KIND_FEATURES,
    POLARITY_FEATURES,
    AnswerKind,
    asks_yes_or_no,
    kind_features,
    polarity_features,
)
from qa_bot.answering.reading import Polarity

__all__ = [
    "KindSample",
    "collect_samples",
    "decision_scores",
    "fit_answer_kind",
    "fit_logistic",
    "fit_summary",
    "form_share",
    "head_only_scores",
]

STRENGTHS = (0.01, 0.1, 1.0, 10.0)


@dataclass(frozen=True)
class KindSample:
    """One CoQA turn as the reader saw it: the question, the best span's text, the head's probabilities, CoQA's
    answer kind ("span" / "yes" / "no") and the story it belongs to (for grouped cross-validation)."""

    question: str
    span: str
    probs: tuple[float, float, float]
    kind: str
    story: str
    # where the span was read: the window, the span's place in it, the turns before the question
    window: str = ""
    start: int = 0
    end: int = 0
    history: tuple[tuple[str, str], ...] = ()


def collect_samples(
    stories: Sequence[dict[str, Any]],
    reader: Any,
    split: Callable[[list[str]], list[list[tuple[int, int]]]],
    *,
    seed: int = 7,
    echo: Callable[[str], None] = lambda _: None,
) -> list[KindSample]:
    """Read every answered turn of ``stories`` (see the module docstring)."""
    from qa_bot.dev.coqa import build_turn_windows

    out: list[KindSample] = []
    for n, story in enumerate(stories):
        for w in build_turn_windows([story], split, random.Random(seed + n), 0.0):
            if w.source != "turn" or w.kind is None:
                continue
            read = reader.read(w.question, [w.text], history=w.history)
            if not read.spans or not read.kinds:
                continue
            best = read.spans[0]
            out.append(KindSample(w.question, w.text[best.start : best.end], read.kind_of(best), w.kind,
                                  story["id"], w.text, best.start, best.end, tuple(w.history)))  # fmt: skip
        if (n + 1) % 50 == 0:
            echo(f"  read {n + 1} of {len(stories)} stories ({len(out):,} turns)")
    return out


def fit_logistic(x: Sequence[Sequence[float]], y: Sequence[int], groups: Sequence[str]) -> dict[str, Any]:
    """Weights of an L2 logistic regression (no separate intercept: the first feature is the bias), its strength
    chosen by 5-fold cross-validation grouped by ``groups`` and stratified by label (log-loss); with the
    cross-validated accuracy and AUC (``None`` when there are too few of a label to cross-validate)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss, roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=int)
    if len(set(ya.tolist())) < 2:
        raise ValueError("both labels are needed to fit")
    splits = min(5, len(set(groups)), int(np.bincount(ya).min()))
    c, p = 1.0, None  # too few of a label to cross-validate: the default strength, no CV scores
    if splits >= 2:
        folds = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=0)
        best_loss = math.inf
        for strength in STRENGTHS:
            model = LogisticRegression(C=strength, fit_intercept=False, max_iter=5000)
            try:
                cv = cross_val_predict(model, xa, ya, cv=folds, groups=list(groups), method="predict_proba")
            except ValueError:  # a fold with one label only: too few to cross-validate
                c, p = 1.0, None
                break
            loss = log_loss(ya, cv[:, 1], labels=[0, 1])
            if loss < best_loss:
                best_loss, c, p = loss, strength, cv[:, 1]
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000).fit(xa, ya)
    return {
        "weights": [round(float(w), 6) for w in model.coef_[0]],
        "strength": c,
        "samples": len(ya),
        "positive_share": round(float(ya.mean()), 4),
        "cv_accuracy": None if p is None else round(float(((p >= 0.5) == ya).mean()), 4),
        "cv_auc": None if p is None else round(float(roc_auc_score(ya, p)), 4),
    }


def head_only_scores(samples: Sequence[KindSample]) -> dict[str, float]:
    """How the answer-kind head alone (:class:`AnswerKind` without fitted weights) does on the same turns, each
    model on its own turns (in sample for the head: it learned from them)."""
    scores = decision_scores(samples, AnswerKind())
    return {"kind_accuracy": scores["kind_accuracy"], "polarity_accuracy": scores["polarity_accuracy"]}


def decision_scores(
    samples: Sequence[KindSample],
    decider: AnswerKind,
    verdict_threshold: float = 0.5,
    polarity: Polarity | None = None,
) -> dict[str, float]:
    """How ``decider`` does on ``samples``: yes/no vs span right, yes vs no right on the yes/no turns, how often
    it says "yes" there and how often CoQA does (a decision that only leans to the commoner answer shows here);
    the verdicts it gives (a yes or a no, on any turn) and how many are right, and of them those less likely than
    ``verdict_threshold``, which the product holds back (``ExtractiveAnswerer``'s ``verdict_threshold``). With
    ``polarity`` (the polarity reader), yes vs no is its word averaged with the decision's, as in the product (each
    sample read by it once)."""
    read: dict[int, float] = {}

    def reads(i: int) -> Callable[[], float] | None:
        if polarity is None:
            return None
        s = samples[i]

        def p_yes() -> float:
            if i not in read:
                read[i] = polarity.yes_probability(s.question, s.window, s.start, s.end, s.history)
            return read[i]

        return p_yes

    def yes(i: int) -> float:
        s = samples[i]
        return decider.yes_probability(s.question, s.span, s.probs, reads(i))

    decided = [(decider.decide(s.question, s.span, s.probs, reads(i)), s.kind) for i, s in enumerate(samples)]
    verdicts = [(p, kind == gold) for (kind, p), gold in decided if kind != "span"]
    held = [right for p, right in verdicts if p < verdict_threshold]
    gold_yes_no = [i for i, s in enumerate(samples) if s.kind != "span"]
    yes_no = [samples[i] for i in gold_yes_no]
    says_yes = [yes(i) >= 0.5 for i in gold_yes_no]
    kind_right = sum((kind != "span") == (gold != "span") for (kind, _), gold in decided)
    return {
        "turns": len(samples),
        "yes_no_turns": len(yes_no),
        "kind_accuracy": round(kind_right / max(1, len(samples)), 4),
        "polarity_accuracy": round(
            sum(y == (s.kind == "yes") for y, s in zip(says_yes, yes_no, strict=True)) / max(1, len(yes_no)),
            4,
        ),
        "says_yes": round(sum(says_yes) / max(1, len(yes_no)), 4),
        "yes_share": round(sum(s.kind == "yes" for s in yes_no) / max(1, len(yes_no)), 4),
        "verdicts": len(verdicts),
        "verdicts_right": sum(right for _, right in verdicts),
        "held_back": len(held),
        "held_back_right": sum(held),
    }


def form_share(samples: Sequence[KindSample]) -> float:
    """Of the turns whose question has the plain yes/no form (:func:`~qa_bot.answering.kind.asks_yes_or_no`),
    the share answered with a yes or a no (0 when there is none)."""
    plain = [s.kind != "span" for s in samples if asks_yes_or_no(s.question)]
    return round(sum(plain) / len(plain), 4) if plain else 0.0


def fit_summary(name: str, fit: dict[str, Any]) -> str:
    """One line on a fitted model: its turns and, where it was cross-validated, accuracy and AUC."""
    scores = (
        f"cross-validated accuracy {fit['cv_accuracy']:.3f}, AUC {fit['cv_auc']:.3f}"
        if fit["cv_accuracy"] is not None
        else "too few of a label to cross-validate"
    )
    return f"{name}: {fit['samples']:,} turns, {scores}"


def fit_answer_kind(
    data_dir: str | Path,
    model_dir: str | Path | None = None,
    *,
    stories: int = 0,
    out_dir: str | Path | None = None,
    echo: Callable[[str], None] = print,
) -> Path:
    """Read the training turns with the reader in ``model_dir`` (the shipped one when None), fit both models and
    write ``answer_kind.json`` beside the weights (or into ``out_dir``). ``stories``: only the first few training
    stories (a quick check)."""
    from qa_bot.answering.model_io import META, MODEL_DIR, write_card
    from qa_bot.answering.reader import TrainedReader
    from qa_bot.dev.coqa import COQA_FILE, load_coqa, split_stories
    from qa_bot.dev.train_data import _splitter
    from qa_bot.errors import InvalidInput

    train, _ = split_stories(load_coqa(Path(data_dir) / COQA_FILE))
    if stories:
        train = train[:stories]
    started = time.perf_counter()
    reader = TrainedReader(model_dir).warm_up()  # as the bot reads (ONNX Runtime, its default precision)
    echo(f"Reading the answered turns of {len(train)} CoQA training stories ...")
    samples = collect_samples(train, reader, _splitter(), echo=echo)
    yes_no = [s for s in samples if s.kind != "span"]
    if len(yes_no) == len(samples) or len({s.kind for s in yes_no}) < 2:
        raise InvalidInput("Too few turns of each kind (span, yes, no) to fit on: take more stories")
    kind = fit_logistic(
        [kind_features(s.question, s.probs) for s in samples],
        [int(s.kind != "span") for s in samples],
        [s.story for s in samples],
    )
    polarity = fit_logistic(
        [polarity_features(s.question, s.span, s.probs) for s in yes_no],
        [int(s.kind == "yes") for s in yes_no],
        [s.story for s in yes_no],
    )
    record = {
        "form_share": form_share(samples),
        "kind_features": list(KIND_FEATURES),
        "kind_weights": kind.pop("weights"),
        "polarity_features": list(POLARITY_FEATURES),
        "polarity_weights": polarity.pop("weights"),
        "kind_fit": kind,
        "polarity_fit": polarity,
        "head_alone": head_only_scores(samples),
        "fitted_on": f"{len(train)} CoQA training stories (ship-safe sources, the dev split held out)",
        "seconds": round(time.perf_counter() - started, 1),
    }
    out = Path(out_dir or model_dir or MODEL_DIR) / ANSWER_KIND_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n", "utf-8")
    echo(f"{fit_summary('kind (yes/no vs span)', kind)}; {fit_summary('polarity (yes vs no)', polarity)}")
    echo(f"plain yes/no questions answered yes or no: {record['form_share']:.1%}")
    echo(f"the head alone (in sample): {record['head_alone']}")
    if (out.parent / META).exists():  # beside a reader's training record: its model card says so
        write_card(out.parent)
    echo(f"Wrote {out}")
    return out
