"""Our own conversations (``tests/data/conversations.json``) scored the way ``qa-bot eval`` scores a conversation set:
every article ingested into one fresh index, every turn asked with the gold earlier turns as its history; F1 by
kind of turn (first, pronoun / elliptical / other follow-up, yes/no) and answerable turns abstained.

    python scripts/eval_conversations.py [--data tests/data/conversations.json] [--shared ../shared/data]
        [--reader DIR] [--out PREDICTIONS.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from qa_bot import QABot
from qa_bot.dev.evaluate import run_eval

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from eval_followups import article_texts  # noqa: E402


def to_eval_layout(data: dict, shared: Path) -> dict:
    """The conversations as a SQuAD v2.0 file with ``history`` (one article per article key)."""
    texts = article_texts(data, shared)
    qas: dict[str, list[dict]] = {key: [] for key in texts}
    for c_i, conv in enumerate(data["conversations"]):
        history: list[list[str]] = []
        for t_i, turn in enumerate(conv["turns"]):
            qas[conv["article"]].append({"id": f"c{c_i}t{t_i}", "question": turn["q"], "history": list(history),
                                         "is_impossible": not turn["answers"],
                                         "answers": [{"text": a, "answer_start": 0} for a in turn["answers"]]})  # fmt: skip
            history.append([turn["q"], turn["answers"][0] if turn["answers"] else "unknown"])
    return {
        "data": [
            {"title": texts[k][0], "paragraphs": [{"context": texts[k][1], "qas": qas[k]}]} for k in texts
        ]
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "tests" / "data" / "conversations.json"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--reader", default=None, help="A reader directory (default: the shipped one).")
    ap.add_argument("--out", default=None, help="Write the predictions here.")
    args = ap.parse_args()
    data = json.loads(Path(args.data).read_text("utf-8"))
    with tempfile.TemporaryDirectory(prefix="qa-bot-conversations-") as tmp:
        path = Path(tmp) / "conversations.json"
        path.write_text(json.dumps(to_eval_layout(data, Path(args.shared))), "utf-8")
        run = run_eval(
            path, ["qa-bot"], bot_factory=lambda index: QABot(index_dir=index, reader_dir=args.reader)
        )
    m = run.metrics["qa-bot"]
    keys = ("total", "f1", "HasAns_f1", "NoAns_f1", "abstained_HasAns", "supported_at_1", "latency_ms_p50",
            "latency_ms_p95")  # fmt: skip
    print(" ".join(f"{k}={m[k]}" for k in keys))
    for kind, cell in m["by_turn"].items():
        print(
            f"  {kind:22s} n={cell['n']:3d}  F1 {cell['f1']:5.1f}  answerable abstained {cell['abstained_answerable']}%"
        )
    if args.out:
        Path(args.out).write_text(json.dumps(run.predictions_json("qa-bot"), indent=1), "utf-8")


if __name__ == "__main__":
    main()
