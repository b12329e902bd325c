"""Where the CoQA dev split's misses come from, read against CoQA's own rationales (the story's words each answer
rests on): how often the rationale lies inside a chunk qa-bot read (retrieval) and the F1 on turns where it does
and does not; and for the yes/no turns, right and wrong verdicts by whether the quoted words overlap the rationale
(the evidence found) or not (the verdict rests on other words).

    .venv/bin/qa-bot convert-coqa            # out/coqa_cnn_dev.json, once
    .venv/bin/python scripts/check_rationales.py [--dev out/coqa_cnn_dev.json] [--data ../shared/data/train]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", default="out/coqa_cnn_dev.json")
    parser.add_argument("--data", default="../shared/data/train")
    args = parser.parse_args()

    from qa_bot.bot import QABot
    from qa_bot.dev.coqa import COQA_FILE, load_coqa
    from qa_bot.dev.evaluate import load_dataset
    from qa_bot.dev.metrics import compute_f1

    rationale = {
        f"{s['id']}_{q['turn_id']}": a["span_text"].strip()
        for s in load_coqa(Path(args.data) / COQA_FILE)
        for q, a in zip(s["questions"], s["answers"], strict=True)
    }
    articles = load_dataset(Path(args.dev))
    read, f1, yes_no = Counter(), Counter(), Counter()
    with tempfile.TemporaryDirectory() as tmp:
        bot = QABot(index_dir=Path(tmp) / "index")
        docs = {a.title: bot.ingest_text(a.text, title=a.title).doc_ids[0] for a in articles}
        for article in articles:
            text = bot.document(docs[article.title]).text
            for q in article.questions:
                words = rationale.get(q.qid, "")
                at = text.find(words) if words else -1
                if q.is_impossible or at < 0:
                    continue
                history = [tuple(h) for h in q.history] or None
                passages = bot.retrieve(q.question, history).passages
                inside = any(
                    p.chunk.doc_id == docs[article.title]
                    and p.chunk.start <= at
                    and at + len(words) <= p.chunk.end
                    for p in passages
                )
                answer = bot.ask(q.question, history)
                where = "rationale read" if inside else "rationale not read"
                read[where] += 1
                f1[where] += compute_f1(q.answers, "" if answer.abstained else answer.text)
                gold = q.answers[0].strip().lower().rstrip(".")
                if gold in ("yes", "no"):
                    overlap = answer.answer_start is not None and answer.answer_start < at + len(words)
                    overlap = overlap and (answer.answer_end or 0) > at
                    right = "right" if answer.kind == gold else "wrong"
                    yes_no[(right, "quote on the rationale" if overlap else "quote elsewhere")] += 1
    total = sum(read.values())
    for where, n in read.items():
        print(
            f"{where:20} {n:4} of {total} answerable turns ({100 * n / total:.1f} %), F1 {100 * f1[where] / n:.1f}"
        )
    for (right, where), n in sorted(yes_no.items()):
        print(f"yes/no {right:5} {where:24} {n}")


if __name__ == "__main__":
    main()
