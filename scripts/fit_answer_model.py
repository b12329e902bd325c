"""Fit the answerer's two small logistic models and write ``qa_bot/answer_model.json``.

    .venv/bin/pip install -e ".[fit]"            # scikit-learn
    .venv/bin/python scripts/fit_answer_model.py [DATASET.json ...] [--check]

1. Every dataset (SQuAD v2.0 JSON; default: the shared dev sets) is ingested article by article into a
   temporary index, exactly as ``qa-bot eval`` does, and every question is analysed by the real pipeline
   (retrieval, question parse, sentence ranking, candidate spans with their features).
2. Candidate model: logistic regression, one row per candidate span of an answerable question, label = the span
   scores F1 >= 0.5 against a gold answer. It ranks the spans.
3. Abstention model: one row per question, features of the span the candidate model picks, label = that span is
   right (F1 >= 0.5; never for unanswerable questions). Its probability is the answer's ``confidence``; the bias
   is shifted so that the threshold maximising the mean F1 over the datasets sits at 0.5.
4. Leave-one-article-out cross-validation is printed first: the honest estimate for unseen articles.

Each dataset file weighs the same in both fits (its rows are weighted by 1 / its number of questions), so a
small news set is not drowned by a large one. Only generic features are used (see
``qa_bot.answerer.ExtractiveAnswerer._features`` and ``answer_features``); nothing refers to a question.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_bot.answerer import MODEL_FILE, AnswerModel, LinearModel, answer_features, choose  # noqa: E402
from qa_bot.evaluate import compute_f1, load_dataset  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DEFAULT_SETS = [SHARED / "seed_qa_dev.json", SHARED / "news_dev.json", SHARED / "squad2_dev_2articles.json"]
GOOD = 0.5  # F1 at which a span counts as a right answer


@dataclass
class Item:
    """One question, as plain data: its candidate spans with their features (or none)."""

    dataset: str
    article: str
    answers: list[str]
    blocked: bool  # a name/number of the question is missing from the passages: the bot abstains
    texts: list[str]
    features: list[dict[str, float]]
    slot: list[bool]
    f1: np.ndarray
    weight: float


def collect(paths: list[Path], cache: Path | None) -> list[Item]:
    if cache is not None and cache.exists():
        raw = json.loads(cache.read_text("utf-8"))
        return [Item(**{**r, "f1": np.array(r["f1"])}) for r in raw]
    from qa_bot import QABot

    items: list[Item] = []
    for path in paths:
        articles = load_dataset(path)
        n = sum(len(a.questions) for a in articles)
        with tempfile.TemporaryDirectory() as tmp:
            bot = QABot(index_dir=Path(tmp) / "index").warm_up()
            for a in articles:
                bot.ingest_text(a.text, title=a.title)
            for a in articles:
                for q in a.questions:
                    an = bot.analyze(q.question, list(q.history))
                    cands = an.candidates
                    texts = [c.sentence.span.doc.text[c.start : c.end] for c in cands]
                    f1 = np.array([compute_f1(q.answers, t) if q.answers else 0.0 for t in texts])
                    items.append(
                        Item(
                            path.name, f"{path.name}#{a.title}", list(q.answers), bool(an.missing_keys), texts,
                            [c.features for c in cands], [c.slot for c in cands], f1, 1.0 / n,
                        )
                    )  # fmt: skip
        print(f"  {path.name}: {n} questions", file=sys.stderr)
    if cache is not None:
        cache.write_text(json.dumps([{**it.__dict__, "f1": it.f1.tolist()} for it in items]), "utf-8")
    return items


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, names: list[str], c: float) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit((x - mu) / sd, y, sample_weight=w / w.mean())
    coef = clf.coef_[0] / sd  # back to raw feature units
    bias = float(clf.intercept_[0] - (coef * mu).sum())
    return LinearModel(round(bias, 5), {k: round(float(v), 5) for k, v in zip(names, coef, strict=True)})


def fit_candidate(items: list[Item]) -> LinearModel:
    """Pairwise ranking (RankNet-style logistic regression on feature differences): within one question, a
    right span (F1 >= 0.5) should outscore a wrong one. Only the ranking matters here, so no intercept."""
    from sklearn.linear_model import LogisticRegression

    names = sorted(next(it.features[0] for it in items if it.features))
    rng = np.random.default_rng(0)
    x, y, w = [], [], []
    for it in items:
        if not it.answers or not it.features:
            continue
        feats = np.array([[f[k] for k in names] for f in it.features])
        pos = np.flatnonzero(it.f1 >= GOOD)
        neg = np.flatnonzero(it.f1 < GOOD)
        if not len(pos) or not len(neg):
            continue
        pairs = [(i, j) for i in pos for j in neg]
        if len(pairs) > 40:
            pairs = [pairs[k] for k in rng.choice(len(pairs), 40, replace=False)]
        for i, j in pairs:
            x.extend([feats[i] - feats[j], feats[j] - feats[i]])
            y.extend([1, 0])
            w.extend([it.weight / len(pairs)] * 2)
    xa, wa = np.array(x), np.array(w)
    sd = xa.std(axis=0)
    sd[sd == 0] = 1.0
    clf = LogisticRegression(C=1.0, fit_intercept=False, max_iter=3000)
    clf.fit(xa / sd, np.array(y), sample_weight=wa / wa.mean())
    coef = clf.coef_[0] / sd
    return LinearModel(0.0, {k: round(float(v), 5) for k, v in zip(names, coef, strict=True)})


def pick(it: Item, cand_model: LinearModel) -> tuple[int | None, dict[str, float] | None]:
    """The runtime decision without the threshold: index of the chosen span and its abstention features."""
    if it.blocked or not it.features:
        return None, None
    scores = [cand_model.logit(f) for f in it.features]
    best, rival = choose(it.texts, scores, it.slot)
    return best, answer_features(it.features[best], scores[best], rival)


def fit_abstain(items: list[Item], cand_model: LinearModel) -> tuple[LinearModel, float]:
    rows = []
    for it in items:
        best, feats = pick(it, cand_model)
        if best is not None:
            rows.append((it, feats, float(it.f1[best]) if it.answers else 0.0))
    names = sorted(rows[0][1])
    x = np.array([[f[k] for k in names] for _, f, _ in rows])
    y = np.array([int(bool(it.answers) and g >= GOOD) for it, _, g in rows])
    w = np.array([it.weight for it, _, _ in rows])
    model = _fit(x, y, w, names, c=1.0)
    threshold = best_threshold(items, cand_model, model)
    # move the decision point to probability 0.5
    shift = float(np.log(threshold / (1 - threshold)))
    return LinearModel(round(model.bias - shift, 5), model.weights), threshold


def predictions(items: list[Item], cand_model: LinearModel, abstain: LinearModel, threshold: float = 0.5):
    model = AnswerModel(cand_model, abstain)
    out = []
    for it in items:
        best, feats = pick(it, cand_model)
        if best is None or model.confidence(feats) < threshold:
            out.append((it, ""))
        else:
            out.append((it, it.texts[best]))
    return out


def mean_f1(preds) -> float:
    by: dict[str, list[float]] = {}
    for it, text in preds:
        by.setdefault(it.dataset, []).append(compute_f1(it.answers, text))
    return float(np.mean([np.mean(v) for v in by.values()]))


def best_threshold(items: list[Item], cand_model: LinearModel, abstain: LinearModel) -> float:
    grid = np.round(np.arange(0.2, 0.81, 0.02), 2)
    scores = [mean_f1(predictions(items, cand_model, abstain, t)) for t in grid]
    return float(grid[int(np.argmax(scores))])


def report(preds, label: str) -> None:
    by: dict[str, list[tuple[Item, str]]] = {}
    for it, text in preds:
        by.setdefault(it.dataset, []).append((it, text))
    for name, rows in sorted(by.items()):
        f1 = [compute_f1(it.answers, t) for it, t in rows]
        has = [f for (it, _), f in zip(rows, f1, strict=True) if it.answers]
        no = [f for (it, _), f in zip(rows, f1, strict=True) if not it.answers]
        print(
            f"{label:>10} {name:<28} F1 {100 * np.mean(f1):5.1f}  HasAns {100 * np.mean(has):5.1f}"
            f"  NoAns {100 * np.mean(no) if no else float('nan'):5.1f}  (n={len(rows)})"
        )


def diagnose(items: list[Item]) -> None:
    """How good the candidate spans are before any abstention: the best one any ranker could pick (oracle), and
    the first pick of the hand-set and of the fitted ranker; mean F1 over answerable questions."""
    rankers = (AnswerModel.hand_set().candidate, fit_candidate(items))
    by: dict[str, list[list[float]]] = {}
    for it in items:
        if not it.answers:
            continue
        open_it = Item(**{**it.__dict__, "blocked": False})  # the spans, whatever the abstention rules say
        row = [float(it.f1.max()) if it.features else 0.0]
        for ranker in rankers:
            best, _ = pick(open_it, ranker)
            row.append(float(it.f1[best]) if best is not None else 0.0)
        by.setdefault(it.dataset, []).append(row)
    for name, rows in sorted(by.items()):
        o, h, f = np.mean(rows, axis=0)
        print(
            f"{'spans':>10} {name:<28} oracle F1 {100 * o:5.1f}  first pick: hand-set {100 * h:5.1f}"
            f"  fitted {100 * f:5.1f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="*", type=Path, default=DEFAULT_SETS)
    ap.add_argument(
        "--check", action="store_true", help="Cross-validate and print, but do not write the file."
    )
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    ap.add_argument(
        "--cache", type=Path, default=None, help="Reuse/keep the analysed questions in this file."
    )
    ap.add_argument(
        "--ranker",
        choices=["hand", "fitted"],
        default="hand",
        help="Rank spans with the hand-set score (default; it held up better on unseen news) or a fitted one.",
    )
    args = ap.parse_args()

    print("Analysing questions with the real pipeline ...", file=sys.stderr)
    items = collect(args.datasets, args.cache)
    diagnose(items)

    # leave-one-article-out: fit on the other articles, predict this one
    cv = []

    def ranker(train: list[Item]) -> LinearModel:
        return fit_candidate(train) if args.ranker == "fitted" else AnswerModel.hand_set().candidate

    for article in sorted({it.article for it in items}):
        train = [it for it in items if it.article != article]
        test = [it for it in items if it.article == article]
        cm = ranker(train)
        am, _ = fit_abstain(train, cm)
        cv.extend(predictions(test, cm, am))
    report(cv, "held-out")

    cand = ranker(items)
    abstain, threshold = fit_abstain(items, cand)
    report(predictions(items, cand, abstain), "fitted")
    report(predictions(items, AnswerModel.hand_set().candidate, AnswerModel.hand_set().abstain), "hand-set")
    if args.check:
        return
    payload = {
        "candidate": {"bias": cand.bias, "weights": cand.weights},
        "abstain": {"bias": abstain.bias, "weights": abstain.weights},
        "info": {
            "fitted": date.today().isoformat(),
            "datasets": [p.name for p in args.datasets],
            "questions": len(items),
            "chosen_threshold_before_shift": threshold,
            "script": "scripts/fit_answer_model.py",
        },
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
