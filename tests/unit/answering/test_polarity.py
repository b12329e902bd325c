"""The polarity reader (qa_bot.answering.polarity, opt-in) as the answer stage uses it: asked only for a yes / no,
once per span, with the question's conversation and the span's own window, its word averaged with the fitted
decision's; the window it picks; the setting that names it. Small fakes: no network is loaded here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qa_bot.answering.attribution import Attributor
from qa_bot.answering.extractive import Calibration, ExtractiveAnswerer
from qa_bot.answering.kind import AnswerKind
from qa_bot.answering.polarity import PolarityReader
from qa_bot.answering.windows import EncodedWindows
from qa_bot.config import Settings
from qa_bot.errors import ModelUnavailable
from qa_bot.pipeline import polarity_reader
from qa_bot.text import rule_sentences
from qa_bot.types import Passage
from tests.unit.answering.test_kind import FITTED, STORY
from tests.unit.answering.test_reader import FakeReader, chunk_of


class FakePolarity:
    """Says P("yes") = ``p_yes`` and records what it was asked."""

    def __init__(self, p_yes: float) -> None:
        self.p_yes, self.calls = p_yes, []

    def yes_probability(self, question, text, start, end, history=()):
        self.calls.append((question, text[start:end], tuple(history)))
        return self.p_yes


def ask(question, span, kinds, polarity, history=()):
    reader = FakeReader([(span, 6.0)], kinds=kinds)
    bot = ExtractiveAnswerer(reader, Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                             answer_kind=FITTED, polarity=polarity)  # fmt: skip
    return bot.answer(question, [Passage(chunk_of(STORY, start=100), score=1.0)], history=history)


def averaged(p: float, q: float) -> float:
    return 1 / (1 + math.exp(-(math.log(p / (1 - p)) + math.log(q / (1 - q))) / 2))


def test_the_polarity_reader_s_word_is_averaged_with_the_decision_s():
    words, question, head = (
        "did not return to the harbour",
        "Did her boat return before the storm?",
        (0.3, 0.4, 0.3),
    )
    fitted = FITTED.yes_probability(question, words, head)
    assert fitted < 0.5 and ask(question, words, head, None).text == "No"  # the negation: a "no" alone
    # a polarity reader sure of a "yes" outweighs it; the words and their place stay the same
    history = [("Who sailed out?", "Ana Ruiz")]
    sure_yes = FakePolarity(0.999)
    a = ask(question, words, head, sure_yes, history)
    assert (a.kind, a.text, a.quote) == ("yes", "Yes", words)
    assert sure_yes.calls == [(question, words, tuple(history))]  # asked once, with the conversation
    expected = FITTED.yes_no_probability(question, head) * averaged(fitted, 0.999)
    assert a.meta["kind_probability"] == pytest.approx(expected, abs=1e-4)
    # one that only leans to "yes" does not: the decision's "no" stands
    assert ask(question, words, head, FakePolarity(0.5 + (0.5 - fitted) / 4)).text == "No"
    sure_no = ask("Was she found on Crane Island?", "Rescuers found her on Crane Island", (0.3, 0.4, 0.3),
                  FakePolarity(0.0001))  # fmt: skip
    assert (sure_no.kind, sure_no.text) == ("no", "No")


def test_an_unsure_polarity_holds_the_verdict_back():
    words, question, head = (
        "Rescuers found her on Crane Island",
        "Was she found on Crane Island?",
        (0.3, 0.4, 0.3),
    )
    fitted = FITTED.yes_probability(question, words, head)
    a = ask(
        question, words, head, FakePolarity(1 - fitted)
    )  # the two cancel out: a coin flip, the words answer
    assert (a.kind, a.text) == ("span", words) and a.meta["withheld"] in {"yes", "no"}


def test_the_polarity_reader_is_not_asked_for_a_span_answer():
    polarity = FakePolarity(0.9)
    a = ask("Where was she found?", "Crane Island", (0.3, 0.4, 0.3), polarity)
    assert (a.kind, a.text) == ("span", "Crane Island") and polarity.calls == []
    called = []
    assert AnswerKind().decide(
        "Where?", "Crane Island", (0.9, 0.05, 0.05), lambda: called.append(1) or 1.0
    ) == (
        "span",
        pytest.approx(0.9),
    )
    assert called == []


class FakeNetwork:
    """Two windows of one text: the first covers chars 0-40, the second 30-80; each says P(yes) as given."""

    def __init__(self, kinds):
        self.kinds = np.array(kinds, dtype=np.float32)

    def encode(self, question, pieces, history=()):
        offsets = [[None, *((i, i + 5) for i in range(0, 40, 5)), None],
                   [None, *((i, i + 5) for i in range(30, 80, 5)), None]]  # fmt: skip
        zeros = np.zeros((2, 12), dtype=np.int64)
        return EncodedWindows(zeros, zeros, zeros, offsets, [0, 0])

    def forward(self, enc):
        return None, None, self.kinds


@pytest.mark.parametrize(("start", "end", "p_yes"), [(5, 20, 0.8), (50, 70, 0.25), (100, 120, 0.8)])
def test_the_window_that_holds_the_span_says(start, end, p_yes):
    reader = PolarityReader.__new__(PolarityReader)
    reader.network = FakeNetwork(
        [(0.2, 0.64, 0.16), (0.2, 0.2, 0.6)]
    )  # P(yes)/(P(yes)+P(no)): 0.8, then 0.25
    assert reader.yes_probability("Did she?", "x" * 90, start, end) == pytest.approx(p_yes)  # none: the first


def test_the_setting_names_it_and_it_needs_its_weights(tmp_path, monkeypatch):
    assert polarity_reader(Settings()) is None  # opt-in: none by default
    monkeypatch.setenv("QA_BOT_POLARITY_DIR", str(tmp_path))
    assert not PolarityReader.available(tmp_path)
    with pytest.raises(ModelUnavailable, match="qa-bot train-polarity"):
        polarity_reader(Settings())
    (tmp_path / "reader.safetensors").write_bytes(b"")  # there (it loads on first use)
    on = polarity_reader(Settings(runtime="torch", reader_precision="fp32"))
    assert on is not None and (on.network.runtime, on.network.precision, on.network.name) == (
        "torch",
        "fp32",
        "polarity",
    )
