"""Precision and recall of statement extraction (who said what) on the hand-annotated set.

    .venv/bin/python scripts/eval_statements.py [tests/data/statements_gold.json] [--show]

A predicted statement matches a gold one when the cue verb is the same word, the speakers name the same (one
contains the other, case ignored) and the contents overlap with token F1 >= 0.5; each gold statement matches once.
Also reports speaker-only and role accuracy over the matched ones, and ingest-time cost of the parse.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def f1(a: str, b: str) -> float:
    x, y = tokens(a), tokens(b)
    common = sum(min(x.count(t), y.count(t)) for t in set(x))
    if not common:
        return 0.0
    p, r = common / len(x), common / len(y)
    return 2 * p * r / (p + r)


def same_speaker(a: str, b: str) -> bool:
    a, b = " ".join(tokens(a)), " ".join(tokens(b))
    return bool(a and b) and (a in b or b in a)


def main() -> None:
    import spacy

    from qa_bot.ingest import clean_text
    from qa_bot.ingest.statements import extract_statements
    from qa_bot.models import SPACY_MODEL_NAME

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    gold_path = Path(args[0]) if args else ROOT / "tests" / "data" / "statements_gold.json"
    nlp = spacy.load(SPACY_MODEL_NAME)
    tp = n_pred = n_gold = roles_right = roles = 0
    parse_s = 0.0
    shared = Path(os.environ.get("QA_BOT_SHARED_DATA") or ROOT.parent / "shared" / "data")
    for article in json.loads(gold_path.read_text("utf-8"))["articles"]:
        if "file" in article:
            raw = (ROOT / article["file"]).read_text("utf-8")
        else:  # an article of a dev set: its paragraphs, one per line
            data = json.loads((shared / article["dataset"]).read_text("utf-8"))["data"]
            raw = "\n".join(
                p["context"] for a in data if a["title"] == article["title"] for p in a["paragraphs"]
            )
        text = clean_text(raw)
        started = time.perf_counter()
        predicted = extract_statements(text, nlp)
        parse_s += time.perf_counter() - started
        gold = article["statements"]
        if "--show" in sys.argv:
            print(article.get("file") or article["title"])
        n_pred, n_gold = n_pred + len(predicted), n_gold + len(gold)
        left = list(range(len(gold)))
        for s in predicted:
            hit = next((g for g in left if gold[g]["verb"] == s.verb.text and same_speaker(gold[g]["speaker"],
                        s.speaker.text) and f1(gold[g]["content"], s.content.text) >= 0.5), None)  # fmt: skip
            if hit is None:
                if "--show" in sys.argv:
                    print(f"  extra: {s.speaker.text} · {s.verb.text} · {s.content.text[:70]}")
                continue
            left.remove(hit)
            tp += 1
            if gold[hit].get("role"):
                roles += 1
                roles_right += bool(s.role and f1(gold[hit]["role"], s.role.text) >= 0.8)
        if "--show" in sys.argv:
            for g in left:
                print(f"  missed: {gold[g]['speaker']} · {gold[g]['verb']} · {gold[g]['content'][:70]}")
    p, r = tp / max(n_pred, 1), tp / max(n_gold, 1)
    print(
        f"statements: gold {n_gold}, found {n_pred}, right {tp}: precision {100 * p:.1f} %, recall {100 * r:.1f} %"
    )
    print(
        f"roles right where the article gives one: {roles_right}/{roles}; parse + extraction {parse_s:.2f} s"
    )


if __name__ == "__main__":
    main()
