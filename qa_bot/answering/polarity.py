"""The polarity reader: whether the words a yes / no answer rests on say "yes" or "no". Opt-in: not shipped.

The reader's answer-kind head (:mod:`qa_bot.answering.network`) learned yes vs no beside everything else it
learns, and tells them apart little better than always saying "yes" on conversations it never saw (62.6 % of 685
yes/no turns of CoQA's exam and children's stories, read in a window around CoQA's rationale; the fitted decision
of :mod:`qa_bot.answering.kind` 66.4 %). :class:`PolarityReader` is a copy of the shipped reader fine-tuned on that
one question — yes or no? — over the yes/no turns of CoQA's ship-safe training stories, read as the reader reads
them (the question with its last turns, a window of sentences around the rationale): ``qa-bot train-polarity``
(:mod:`qa_bot.dev.train_polarity`, about 7 minutes on 2 CPU cores), its weights and model card in the directory it
writes. On those 685 turns it is right 70.2 % of the time, averaged with the fitted decision 70.1 %; but not on news:
on the CoQA CNN dev split 66.7 % against the fitted decision's 68.3 %, and as the bot answers there, and on the
project's news conversations, it turned more right verdicts wrong than wrong ones right (README, "Yes or no"). So
it is not shipped and is off unless the ``polarity_dir`` setting names one.

It reads only where the answer-kind decision has already said the answer is a yes or a no, in the window that
decision read the span in, and gives the probability of "yes", which the decision averages (in log-odds) with its
own fitted one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qa_bot.answering.reader import TrainedReader

__all__ = ["PolarityReader"]


class PolarityReader:
    """P("yes") for a yes / no answer resting on ``text[start:end]`` (see the module docstring). Loads lazily
    (:meth:`warm_up`); ``runtime`` / ``precision`` / ``cache_dir`` as :class:`TrainedReader` takes them."""

    def __init__(
        self,
        model_dir: str | Path,
        *,
        runtime: str = "onnx",
        precision: str = "auto",
        cache_dir: str | Path = "",
    ) -> None:
        self.model_dir = Path(model_dir)
        self.network = TrainedReader(
            self.model_dir, runtime=runtime, precision=precision, cache_dir=cache_dir, name="polarity"
        )

    @classmethod
    def available(cls, model_dir: str | Path) -> bool:
        """Whether trained polarity weights are there to load."""
        from qa_bot.answering.model_io import WEIGHTS

        return (Path(model_dir) / WEIGHTS).exists()

    def warm_up(self) -> PolarityReader:
        self.network.warm_up()
        return self

    def yes_probability(
        self, question: str, text: str, start: int, end: int, history: Sequence[tuple[str, str]] = ()
    ) -> float:
        """P("yes") against P("no") for the answer to ``question`` (asked after ``history``) that rests on
        ``text[start:end]``, read in the window of ``text`` that holds that span (the first, when none does)."""
        enc = self.network.encode(question, [text], history)
        _, _, kinds = self.network.forward(enc)
        window = next(
            (w for w, offs in enumerate(enc.offsets) if _holds(offs, start, end)),
            0,
        )
        p_yes, p_no = float(kinds[window][1]), float(kinds[window][2])
        return p_yes / (p_yes + p_no) if p_yes + p_no > 0 else 0.5


def _holds(offsets: Sequence[tuple[int, int] | None], start: int, end: int) -> bool:
    """Whether a window's tokens (their char offsets, ``None`` for question and special tokens) cover
    ``[start, end)``."""
    spans = [o for o in offsets if o is not None]
    return bool(spans) and spans[0][0] <= start and end <= spans[-1][1]
