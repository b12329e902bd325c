"""Fit the answer-type model (:mod:`qa_bot.answering.answer_types`) on SQuAD v1.1 train: ``qa-bot fit-answer-types``.

Each paragraph is run through spaCy's NER (the shipped English model, parser off) and each question labelled with
the type of its gold answer there (:func:`~qa_bot.answering.answer_types.span_type`: the entity covering at least
half of it, else ``O``). A multinomial L2 logistic regression (scikit-learn) learns the type from the question's
features (:func:`~qa_bot.answering.answer_types.question_features`, those seen at least ``min_count`` times); its
accuracy and log loss are measured on every tenth article held out, then it is fitted on all. The ``floor``,
``window`` and ``plain`` of the rule are not fitted here: they were chosen on the dev sets by ``qa-bot eval`` and
are stored as given. About three minutes for spaCy and half a minute for the regression on 2 cores.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa_bot.answering.answer_types import ANSWER_TYPES_FILE, question_features, span_type

__all__ = ["TypedQuestion", "fit_answer_types", "fit_type_model", "typed_questions"]

TypedQuestion = tuple[str, str, str]  # (article title, question, its answer's type)
FLOOR, WINDOW, PLAIN = 0.05, 2.0, 0.3  # the rule's defaults, chosen on the dev sets (see the model card)
STRENGTH = 0.3  # the regression's C, chosen on the held-out articles (0.1 / 0.3 / 1 / 3)
# features seen fewer times are left out: 3 / 10 / 30 kept 21,271 / 8,024 / 3,497 features (3.5 / 1.3 / 0.55 MB of
# JSON to load) for a held-out accuracy of 0.691 / 0.687 / 0.685; 10 was chosen with the rule on the dev sets (30
# lost "Irish" for "What culture did the Normans combine with in Ireland?" on SQuAD 2; 10 also mended a news question)
MIN_COUNT = 10


def typed_questions(
    data_dir: str | Path, paragraphs: int = 0, processes: int = 2, echo: Callable[[str], None] = print
) -> list[TypedQuestion]:
    """Every question of SQuAD v1.1 train (of its first ``paragraphs`` paragraphs when > 0) with its gold
    answer's entity type in the paragraph."""
    import spacy

    from qa_bot.dev.train_data import TRAIN_FILES, load_squad
    from qa_bot.models import SPACY_MODEL_NAME

    articles = load_squad(Path(data_dir) / TRAIN_FILES[0])  # SQuAD v1.1 train
    paras = [(a["title"], p) for a in articles for p in a["paragraphs"]]
    paras = paras[:paragraphs] if paragraphs > 0 else paras
    nlp = spacy.load(SPACY_MODEL_NAME, disable=["parser", "lemmatizer", "attribute_ruler", "senter"])
    out: list[TypedQuestion] = []
    started = time.time()
    docs = nlp.pipe((p["context"] for _, p in paras), batch_size=64, n_process=processes)
    for n, doc in enumerate(docs):
        title, para = paras[n]
        entities = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        for q in para["qas"]:
            gold = q["answers"][0]
            start = gold["answer_start"]
            out.append((title, q["question"], span_type(entities, start, start + len(gold["text"]))))
        if (n + 1) % 2000 == 0:
            echo(f"  typed {n + 1:,} of {len(paras):,} paragraphs ({time.time() - started:.0f} s)")
    return out


def fit_type_model(
    rows: Sequence[TypedQuestion], min_count: int = MIN_COUNT, strength: float = STRENGTH
) -> tuple[dict[str, Any], dict[str, float]]:
    """The model's ``labels`` / ``bias`` / ``weights`` (features seen ``min_count`` times or more) fitted on all
    ``rows``, and its accuracy and log loss on every tenth article when fitted on the others."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    def fit(part: Sequence[TypedQuestion]) -> tuple[Any, Any]:
        counts = Counter(f for _, q, _ in part for f in question_features(q) if f != "bias")
        keep = {f for f, c in counts.items() if c >= min_count}
        vectorizer = DictVectorizer()
        x = vectorizer.fit_transform([{f: 1 for f in question_features(q) if f in keep} for _, q, _ in part])
        model = LogisticRegression(C=strength, max_iter=1000).fit(x, [label for _, _, label in part])
        return vectorizer, model

    titles = sorted({t for t, _, _ in rows})
    held = set(titles[::10])
    train = [r for r in rows if r[0] not in held]
    test = [r for r in rows if r[0] in held]
    scores: dict[str, float] = {}
    if test and len({label for _, _, label in train}) > 1:
        vectorizer, model = fit(train)
        probs = model.predict_proba(
            vectorizer.transform([{f: 1 for f in question_features(q)} for _, q, _ in test])
        )
        index = {label: k for k, label in enumerate(model.classes_)}
        truth = [index.get(label) for _, _, label in test]
        picked = probs.argmax(axis=1)
        # a held-out type the training part never saw counts as probability 1e-9
        losses = [
            -math.log(max(probs[i, t], 1e-9)) if t is not None else -math.log(1e-9)
            for i, t in enumerate(truth)
        ]
        scores = {
            "held_out_questions": len(test),
            "held_out_accuracy": round(
                float(np.mean([t == p for t, p in zip(truth, picked, strict=True)])), 4
            ),
            "held_out_log_loss": round(float(np.mean(losses)), 4),
        }
    vectorizer, model = fit(rows)
    coef = model.coef_ if len(model.classes_) > 2 else np.vstack([-model.coef_[0], model.coef_[0]]) / 2
    bias = model.intercept_ if len(model.classes_) > 2 else np.array([-1, 1]) * model.intercept_[0] / 2
    weights = {
        name: [round(float(w), 4) for w in coef[:, k]]
        for name, k in vectorizer.vocabulary_.items()
        if np.abs(coef[:, k]).max() >= 1e-3
    }
    fitted = {"labels": [str(c) for c in model.classes_], "bias": [round(float(b), 4) for b in bias],
              "weights": dict(sorted(weights.items()))}  # fmt: skip
    return fitted, scores


def fit_answer_types(
    data_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    paragraphs: int = 0,
    floor: float = FLOOR,
    window: float = WINDOW,
    plain: float = PLAIN,
    echo: Callable[[str], None] = print,
) -> Path:
    """Type SQuAD's questions, fit the model and write ``answer_types.json`` (into the shipped model's folder
    when ``out_dir`` is None); returns its path."""
    from qa_bot.answering.model_io import META, MODEL_DIR, write_card

    started = time.time()
    rows = typed_questions(data_dir, paragraphs, echo=echo)
    echo(f"Typed {len(rows):,} questions in {time.time() - started:.0f} s; fitting")
    fitted, scores = fit_type_model(rows)
    path = Path(out_dir or MODEL_DIR) / ANSWER_TYPES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    counts = Counter(label for _, _, label in rows)
    record = {**fitted, "floor": floor, "window": window, "plain": plain, "questions": len(rows), **scores,
              "type_shares": {k: round(v / len(rows), 4) for k, v in counts.most_common()},
              "seconds": round(time.time() - started, 1)}  # fmt: skip
    path.write_text(json.dumps(record, separators=(",", ":")) + "\n", "utf-8")
    if (path.parent / META).exists():  # beside a reader's training record: its model card says so
        write_card(path.parent)
    echo(
        f"Wrote {path}: {len(fitted['weights']):,} features, held-out accuracy {scores.get('held_out_accuracy')}"
    )
    return path
