"""The reader's default int8 (smoothed) against fp32 on whole turns: `qa-bot bench`'s seed follow-ups and the first
questions they follow, asked through one bot whose answerer takes the two readers in turns (a shuffled order per
turn), so that the machine's drift falls on both. Prints p50 / p95 per reader and kind of turn and the paired
median ratio fp32 / int8.

    .venv/bin/python scripts/bench_precisions.py [--rounds 12]
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()

    from qa_bot.answering.reader import TrainedReader
    from qa_bot.bot import QABot
    from qa_bot.dev.bench import FOLLOW_UPS, SEED_ARTICLE, _asked

    readers = {"fp32": TrainedReader(precision="fp32").warm_up(), "default": TrainedReader().warm_up()}
    print({k: r.precision for k, r in readers.items()})
    with tempfile.TemporaryDirectory() as tmp:
        bot = QABot(index_dir=Path(tmp) / "seed")
        bot.ingest(SEED_ARTICLE)
        bot.answerer.reader = readers["fp32"]
        turns = [(q, f, [(q, bot.ask(q).text)]) for q, f in FOLLOW_UPS]  # one history for both readers
        for reader in readers.values():  # warm
            bot.answerer.reader = reader
            for q, f, history in turns:
                bot.ask(q)
                bot.ask(f, history)
        times: dict[str, dict[str, list[float]]] = {k: {"first": [], "follow-up": []} for k in readers}
        rng = random.Random(0)
        for _ in range(args.rounds):
            for q, f, history in turns:
                order = list(readers)
                rng.shuffle(order)
                for k in order:
                    bot.answerer.reader = readers[k]
                    times[k]["first"].append(_asked(bot, q))
                    times[k]["follow-up"].append(_asked(bot, f, history))
    for k, kinds in times.items():
        for kind, ms in kinds.items():
            print(
                f"{k:8} {kind:10} p50 {np.percentile(ms, 50):6.1f}  p95 {np.percentile(ms, 95):6.1f} ms  (n={len(ms)})"
            )
    for kind in ("first", "follow-up"):
        ratio = np.median(np.asarray(times["fp32"][kind]) / np.asarray(times["default"][kind]))
        print(f"paired median fp32 / default, {kind}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
