"""How much a typing slip costs, and how much of it mending the question's spelling gives back.

Every question of each set gets one slip, as people make them: in one word of five letters or more past the first,
a letter left out, two neighbours swapped, one changed, or one doubled (never the word's first letter; seeded, so
every run makes the same slips). Each set is then answered three times by the bot: as written, with the slips and
``respell`` off, and with the slips mended (the default). It also counts how many slips were mended back to the
very word written (``respell`` alone, no model). The sets are SQuAD-format files; follow-ups keep their history.

    python scripts/check_typos.py [DATASET ...] [--shared ../shared/data] [--seed 0] [--space]

``--space``: the slip is a space left out after a word of five letters or more ("How manypeople died?").
``--two``: two slips in one word of six letters or more ("Who denied the allegations?" → "Who denied the alegatoins?").

Defaults: the seed and news dev sets and our paraphrase set (never tuned on). About four minutes on two cores.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import string
import tempfile
from collections.abc import Callable
from pathlib import Path

from qa_bot import QABot
from qa_bot.conversation.spelling import respell
from qa_bot.dev.evaluate import run_eval
from qa_bot.text import tokenize

ROOT = Path(__file__).resolve().parent.parent
_WORD = re.compile(r"(?<![\w'’-])[^\W\d_]{5,}(?![\w'’-])")


def slip(word: str, rng: random.Random) -> str:
    """``word`` with one slip past its first letter: left out, swapped with the next, changed, or doubled."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("omit", "swap", "change", "double"))
    if kind == "omit":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "change":
        return (
            word[:i] + rng.choice([c for c in string.ascii_lowercase if c != word[i].lower()]) + word[i + 1 :]
        )
    return word[: i + 1] + word[i] + word[i + 1 :]


def two_slips(word: str, rng: random.Random) -> str:
    """``word`` with two slips past its first letter (:func:`slip` twice, never undoing the first)."""
    while True:
        typed = slip(slip(word, rng), rng)
        if typed.lower() != word.lower() and len(typed) > 2:
            return typed


def with_slips(
    data: dict, rng: random.Random, space: bool = False, two: bool = False
) -> tuple[dict, list[tuple[str, str, str]]]:
    """A copy of a SQuAD-format set, each question with one slip (``space``: the space after a word of five letters
    or more left out, where a word follows, in place of a letter's slip; ``two``: two slips in a word of six letters
    or more); and (slipped, as written, context) per question."""
    out = copy.deepcopy(data)
    made = []
    for article in out["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                opening = len(qa["question"]) - len(qa["question"].lstrip())
                q = qa["question"]
                words = [m for m in _WORD.finditer(q) if m.start() > opening and len(m.group()) >= 5 + two]
                if space:
                    words = [m for m in _WORD.finditer(q) if re.match(r" [^\W\d_]", q[m.end() : m.end() + 2])]
                if not words:
                    continue
                m = rng.choice(words)
                typed = (
                    q[: m.end()] + q[m.end() + 1 :]
                    if space
                    else q[: m.start()] + (two_slips if two else slip)(m.group(), rng) + q[m.end() :]
                )
                made.append((typed, qa["question"], paragraph["context"]))
                qa["question"] = typed
    return out, made


def knows(context: str) -> Callable[[str], bool]:
    """Whether a word is in ``context`` as the bot knows an article's words: by their stems."""
    stems = set(tokenize(context))
    return lambda word: bool(tokenize(word)) and all(t in stems for t in tokenize(word))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--space", action="store_true", help="leave a space out instead of a letter's slip")
    parser.add_argument("--two", action="store_true", help="two slips in one word of six letters or more")
    args = parser.parse_args()
    shared = Path(args.shared)
    sets = args.datasets or [
        str(shared / "seed_qa_dev.json"),
        str(shared / "news_dev.json"),
        str(ROOT / "tests" / "data" / "paraphrase_qa.json"),
    ]
    print(f"{'set':<22} {'questions':>9} {'mended back':>12} {'as written':>11} {'slips':>7} {'mended':>7}")
    for path in sets:
        data = json.loads(Path(path).read_text("utf-8"))
        slipped, made = with_slips(data, random.Random(args.seed), args.space, args.two)
        back = 0
        for typed, written, context in made:
            words = frozenset(re.findall(r"[^\W\d_]+", context.lower()))  # as the lexical index keeps them
            back += (respell(typed, knows(context), written=words) or typed) == written
        with tempfile.TemporaryDirectory() as tmp:
            file = Path(tmp) / Path(path).name
            file.write_text(json.dumps(slipped), "utf-8")
            f1 = [
                run_eval(path, ["qa-bot"]).metrics["qa-bot"]["f1"],
                run_eval(file, ["qa-bot"], bot_factory=lambda d: QABot(index_dir=d, respell=False)).metrics[
                    "qa-bot"
                ]["f1"],
                run_eval(file, ["qa-bot"]).metrics["qa-bot"]["f1"],
            ]
        cells = " ".join(f"{v:>{w}.1f}" for v, w in zip(f1, (11, 7, 7), strict=True))
        print(f"{Path(path).stem:<22} {len(made):>9} {back:>12} {cells}")


if __name__ == "__main__":
    main()
