"""Score a predictions file written by `qa-bot eval --out` against its dataset, with the by-turn table.

python scripts/score_predictions.py DATASET.json PREDICTIONS.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from qa_bot.dev.evaluate import Prediction, load_dataset
from qa_bot.dev.metrics import score


def main(dataset: str, predictions: str) -> None:
    questions = [q for a in load_dataset(dataset) for q in a.questions]
    raw = json.loads(Path(predictions).read_text("utf-8"))
    preds = {
        qid: Prediction(p["answer"], tuple(p["citations"]), p.get("latency_ms", 0.0))
        for qid, p in raw.items()
    }
    m = score(questions, preds)
    keys = ("f1", "exact", "HasAns_f1", "NoAns_f1", "abstained_HasAns", "supported_at_1", "followup_f1",
            "standalone_f1", "latency_ms_p50", "latency_ms_p95")  # fmt: skip
    print(json.dumps({k: m[k] for k in keys}))
    for kind, cell in m["by_turn"].items():
        print(
            f"  {kind:22s} n={cell['n']:4d}  F1 {cell['f1']:5.1f}  answerable abstained {cell['abstained_answerable']}%"
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
