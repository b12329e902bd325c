"""The answer-kind decision out of sample: CoQA's exam and children's stories, which no shipped weight learns from
(their terms keep them out), read as ``qa-bot fit-answer-kind`` reads its training turns. Measured only, never
fitted on. Prints, for the fitted decision (with a polarity reader, ``--polarity DIR``, the decision with its word
too, as the bot decides with ``polarity_dir``) and for the reader's head alone: yes/no vs span right, yes vs no right,
how often each says "yes" and how often CoQA does, and the verdicts below even odds (which the product holds
back). The held-out CNN dev split has 63 yes/no turns; these stories about 685 — a steadier view of the
polarity, though not of news.

    python scripts/check_answer_kind.py [--data ../shared/data/train] [--model DIR] [--polarity DIR] [--stories N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qa_bot.answering.kind import AnswerKind
from qa_bot.answering.polarity import PolarityReader
from qa_bot.answering.reader import TrainedReader
from qa_bot.dev.answer_kind import collect_samples, decision_scores
from qa_bot.dev.coqa import COQA_FILE, load_coqa, measured_only_stories
from qa_bot.dev.train_data import _splitter

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "train"))
    ap.add_argument("--model", default=None, help="A reader directory (default: the shipped one).")
    ap.add_argument("--polarity", default=None, help="A polarity reader's directory (qa-bot train-polarity).")
    ap.add_argument("--stories", type=int, default=0, help="Only the first N stories (0 = all).")
    args = ap.parse_args()
    stories = measured_only_stories(load_coqa(Path(args.data) / COQA_FILE))
    if args.stories:
        stories = stories[: args.stories]
    reader = TrainedReader(args.model).warm_up()
    print(f"Reading the answered turns of {len(stories)} stories no shipped weight learns from ...")
    samples = collect_samples(stories, reader, _splitter(), echo=print)
    fitted = AnswerKind.load(args.model)
    polarity = PolarityReader(args.polarity) if args.polarity else None
    rows = [("fitted decision", fitted, None), ("head alone", AnswerKind(), None)]
    if polarity is not None:  # yes vs no as the bot says it with that polarity reader
        rows.insert(0, ("with polarity", fitted, polarity))
    for name, decider, reads in rows:
        s = decision_scores(samples, decider, polarity=reads)
        print(
            f"{name:>16}: {s['turns']:,} turns, yes/no vs span right {s['kind_accuracy']:.1%}; "
            f"{s['yes_no_turns']} yes/no turns, right {s['polarity_accuracy']:.1%}, "
            f"says yes {s['says_yes']:.1%} (CoQA: {s['yes_share']:.1%})"
        )
        print(
            f"{'':>16}  {s['verdicts']} yes / no verdicts, {s['verdicts_right']} right; below even odds (held "
            f"back by the product): {s['held_back']}, {s['held_back_right']} of them right"
        )


if __name__ == "__main__":
    main()
