"""How follow-ups land: our own conversations (``tests/data/followups.json``) about the seed and news dev articles.

For every follow-up turn it prints whether
- the rewrite names the expected referent (history = the gold answers before it: the resolver alone), and
- the answer is right (F1 >= 0.5 against gold; history = the bot's own earlier answers: what a user gets).

    python scripts/eval_followups.py [--data tests/data/followups.json] [--shared ../shared/data] [-v]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from qa_bot import QABot
from qa_bot.dev.evaluate import load_dataset
from qa_bot.dev.metrics import compute_f1

ROOT = Path(__file__).resolve().parent.parent


def article_texts(data: dict, shared: Path) -> dict[str, tuple[str, str]]:
    """Article key -> (title, text), from the seed file or a dev set's article."""
    out = {}
    for key, where in data["articles"].items():
        if "#" in where:
            name, title = where.split("#", 1)
            (art,) = [a for a in load_dataset(shared / name) if a.title == title]
            out[key] = (art.title, art.text)
        else:
            out[key] = (key, (ROOT / where).read_text("utf-8"))
    return out


def run(bot: QABot, data: dict, verbose: bool = False) -> dict[str, float]:
    rewrites = answers = turns = 0
    for conv in data["conversations"]:
        gold_history: list[tuple[str, str]] = []
        own_history: list[tuple[str, str]] = []
        for i, turn in enumerate(conv["turns"]):
            a = bot.ask(turn["q"], own_history)
            if i > 0:
                turns += 1
                _, rewritten = bot.rewrite(turn["q"], gold_history)
                want = turn.get("referent")
                shown = rewritten or turn["q"]
                ok_rewrite = want is None or want.lower() in shown.lower()
                ok_answer = compute_f1(turn["answers"], "" if a.abstained else a.text) >= 0.5
                rewrites += ok_rewrite
                answers += ok_answer
                if verbose or not ok_rewrite:
                    mark = "ok " if ok_rewrite else "BAD"
                    print(f"  [{mark}] {conv['kind']}: {turn['q']!r} -> {shown!r} | answer {a.text!r} "
                          f"({'right' if ok_answer else 'wrong'})")  # fmt: skip
            gold_history.append((turn["q"], turn["answers"][0]))
            own_history.append((turn["q"], a.text))
    return {
        "follow-ups": turns,
        "rewrite right %": 100 * rewrites / turns,
        "answer right %": 100 * answers / turns,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "tests" / "data" / "followups.json"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    data = json.loads(Path(args.data).read_text("utf-8"))
    with tempfile.TemporaryDirectory(prefix="qa-bot-followups-") as tmp:
        bot = QABot(index_dir=Path(tmp) / "index")
        for key, (title, text) in article_texts(data, Path(args.shared)).items():
            bot.ingest_text(text, title=title, source=f"followups#{key}")
        for name, value in run(bot, data, args.verbose).items():
            print(f"{name:>16}: {value:.1f}" if isinstance(value, float) else f"{name:>16}: {value}")


if __name__ == "__main__":
    main()
