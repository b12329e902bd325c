"""A question about when something will happen is not answered from a sentence about the past (a fake reader)."""

from __future__ import annotations

import pytest

from qa_bot.answering.attribution import Attributor
from qa_bot.answering.calibration import Calibration
from qa_bot.answering.extractive import ExtractiveAnswerer
from qa_bot.answering.kind import AnswerKind
from qa_bot.answering.reader import ReadResult
from qa_bot.answering.tense import asks_future_time, looks_ahead
from qa_bot.answering.windows import SpanScore
from qa_bot.text import rule_sentences
from qa_bot.types import Chunk, Passage

CAPTION = (
    "Crowds gather next to the harbour wall, March 3, 2024. The port authority will reopen the yard in June."
)


class Reader:
    """Ranks the caption's date above the date the article gives for the future."""

    def __init__(self, scored):
        self.scored = scored

    def read(self, question, pieces, history=()):
        spans = [
            SpanScore(0, pieces[0].index(t), pieces[0].index(t) + len(t), s, 0.0, 0) for t, s in self.scored
        ]
        return ReadResult(tuple(spans), 0.0, windows=1, kinds=((1, 0, 0),))


def answer(question: str, text: str = CAPTION, scored=(("March 3, 2024", 6.0), ("June", 5.0))):
    answerer = ExtractiveAnswerer(Reader(scored), Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                                  answer_kind=AnswerKind())  # fmt: skip
    return answerer.answer(question, [Passage(Chunk("c0", "d", "T", 0, len(text), text), score=1.0)])


@pytest.mark.parametrize(
    "question",
    ["When will the war end?", "when will they go next?", "And when is the yard going to open?",
     "When is the deal expected to close?", "When are the talks set to resume?", "So when shall we know?"],
)  # fmt: skip
def test_questions_asking_when_something_will_happen(question):
    assert asks_future_time(question)


@pytest.mark.parametrize(
    "question",
    ["When did the war end?", "When was the deal expected to close?", "Who will lead the team?",
     "What will happen to him?", "When was the attack?", "Why will it close?"],
)  # fmt: skip
def test_other_questions_are_not_about_the_future(question):
    assert not asks_future_time(question)


def test_words_that_look_ahead():
    for sentence in (
        "The yard will reopen in June.", "Cisco expects the deal to close this quarter.",
        "The ban runs through the 2026 season.", "Talks are set to resume on Monday.",
        "He'll be sentenced in May.", "It could end by spring.", "The deal is pending approval.",
    ):  # fmt: skip
        assert looks_ahead(sentence), sentence
    for sentence in (
        "Crowds gather next to the harbour wall, March 3, 2024.", "The attack came on October 7.",
        "Shares rose 30% on Thursday.",
    ):  # fmt: skip
        assert not looks_ahead(sentence), sentence


def test_a_future_question_passes_over_a_date_its_sentence_gives_for_the_past():
    assert answer("When will the yard reopen?").text == "June"
    assert answer("When was the photo taken?").text == "March 3, 2024"  # the reader's order otherwise


def test_a_future_question_the_article_does_not_answer_is_declined():
    only_past = "Crowds gather next to the harbour wall, March 3, 2024. The war began a year earlier."
    declined = answer("When will the war end?", only_past, (("March 3, 2024", 6.0), ("a year earlier", 5.0)))
    assert declined.abstained and declined.text == "The article doesn't say."
    assert answer("When did the war begin?", only_past, (("a year earlier", 6.0),)).text == "a year earlier"
