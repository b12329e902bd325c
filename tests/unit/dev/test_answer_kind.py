"""Fitting the answer-kind decision (qa_bot.dev.answer_kind) with a fake reader on made-up conversations."""

from __future__ import annotations

import random

import pytest

from qa_bot.answering.kind import KIND_FEATURES, AnswerKind, kind_features
from qa_bot.answering.reader import ReadResult
from qa_bot.answering.windows import SpanScore
from qa_bot.dev.answer_kind import (
    KindSample,
    collect_samples,
    decision_scores,
    fit_logistic,
    fit_summary,
    form_share,
    head_only_scores,
)
from qa_bot.text import rule_sentences

STORY = {
    "id": "story-1",
    "source": "cnn",
    "story": "Ana Ruiz sailed out of Port Elm on Sunday. Her boat did not return before the storm. "
    "Rescuers found her on Crane Island two days later. She was cold but unhurt.",
    "questions": [
        {"turn_id": 1, "input_text": "Who sailed out of Port Elm?"},
        {"turn_id": 2, "input_text": "Did her boat return?"},
        {"turn_id": 3, "input_text": "Where was she found?"},
        {"turn_id": 4, "input_text": "Was she hurt?"},
        {"turn_id": 5, "input_text": "What did she eat?"},
    ],
    "answers": [
        {"turn_id": 1, "input_text": "Ana Ruiz", "span_start": 0, "span_end": 8, "span_text": "Ana Ruiz"},
        {"turn_id": 2, "input_text": "no", "span_start": 43, "span_end": 83, "span_text": ""},
        {"turn_id": 3, "input_text": "Crane Island", "span_start": 107, "span_end": 119, "span_text": ""},
        {"turn_id": 4, "input_text": "No.", "span_start": 136, "span_end": 159, "span_text": ""},
        {"turn_id": 5, "input_text": "unknown", "span_start": -1, "span_end": -1, "span_text": "unknown"},
    ],
}


class WholeWindowReader:
    """Reads the window's first sentence as its best span; the head's probabilities fixed."""

    def __init__(self, kinds=(0.7, 0.2, 0.1)):
        self.kinds, self.calls = kinds, []

    def read(self, question, pieces, history=()):
        self.calls.append((question, tuple(history)))
        start, end = rule_sentences(pieces[0])[0]
        return ReadResult((SpanScore(0, start, end, 5.0, 0.0, 0),), 0.0, 1, kinds=(self.kinds,))


def split(texts):
    return [rule_sentences(t) for t in texts]


def test_every_answered_turn_is_read_with_its_history_and_labelled_by_coqa():
    reader = WholeWindowReader()
    samples = collect_samples([STORY], reader, split)
    assert [s.kind for s in samples] == ["span", "no", "span", "no"]  # the "unknown" turn is not a kind
    assert all(s.story == "story-1" and s.probs == (0.7, 0.2, 0.1) for s in samples)
    assert all(s.span and s.span in STORY["story"] for s in samples)  # the reader's span, from the story
    questions = [q for q, _ in reader.calls]
    assert questions[1] == "Did her boat return?"
    assert reader.calls[1][1] == (("Who sailed out of Port Elm?", "Ana Ruiz"),)  # the turns before it


def test_the_logistic_fit_finds_the_informative_feature_and_reports_its_cross_validation():
    rng = random.Random(0)
    x, y, groups = [], [], []
    for i in range(300):
        label = rng.random() < 0.4
        informative = (1.0 if label else -1.0) + rng.gauss(0, 0.7)
        x.append([1.0, informative, rng.gauss(0, 1)])
        y.append(int(label))
        groups.append(f"story-{i // 6}")
    fit = fit_logistic(x, y, groups)
    assert fit["samples"] == 300 and fit["positive_share"] == pytest.approx(sum(y) / 300, abs=1e-3)
    assert fit["weights"][1] > 1.0 and abs(fit["weights"][2]) < 0.5
    assert fit["cv_accuracy"] > 0.85 and fit["cv_auc"] > 0.9
    with pytest.raises(ValueError, match="both labels"):
        fit_logistic(x, [1] * 300, groups)
    few = fit_logistic(x[:4], [0, 1, 0, 0], groups[:4])  # too few of a label to cross-validate: fitted anyway
    assert few["cv_accuracy"] is None and few["cv_auc"] is None and len(few["weights"]) == 3
    assert fit_summary("polarity", few) == "polarity: 4 turns, too few of a label to cross-validate"
    line = fit_summary("kind", fit)
    assert (
        line.startswith("kind: 300 turns, cross-validated accuracy 0.") and f"AUC {fit['cv_auc']:.3f}" in line
    )


def test_a_kind_fit_on_made_up_turns_learns_the_question_s_form():
    rng = random.Random(1)
    samples = []
    for i in range(200):
        yes_no = rng.random() < 0.3
        question = (
            rng.choice(["Did it rain?", "Was she there?"])
            if yes_no
            else rng.choice(["Where did it rain?", "Who was there?", "Why?"])
        )
        head = (0.5, 0.3, 0.2)  # a head that cannot tell them apart
        samples.append(KindSample(question, "words", head, "yes" if yes_no else "span", f"s{i // 5}"))
    fit = fit_logistic([kind_features(s.question, s.probs) for s in samples],
                       [int(s.kind != "span") for s in samples], [s.story for s in samples])  # fmt: skip
    decider = AnswerKind(kind_weights=tuple(fit["weights"]), polarity_weights=())
    assert fit["cv_accuracy"] == 1.0
    assert decider.decide("Did it snow?", "words", (0.5, 0.3, 0.2))[0] == "yes"
    assert decider.decide("Where did it snow?", "words", (0.5, 0.3, 0.2))[0] == "span"
    assert len(fit["weights"]) == len(KIND_FEATURES)
    assert head_only_scores(samples)["kind_accuracy"] == pytest.approx(
        sum(s.kind == "span" for s in samples) / 200
    )


def test_the_share_of_plain_yes_no_questions_answered_yes_or_no():
    head = (0.5, 0.3, 0.2)
    samples = [KindSample("Did it rain?", "it rained", head, "yes", "s1"),
               KindSample("And was she there?", "she was", head, "no", "s1"),
               KindSample("Did he stay long?", "for twenty years", head, "span", "s2"),  # "Yes, for twenty years"
               KindSample("Did she stay?", "she stayed", head, "yes", "s2"),
               KindSample("Can you name another?", "Peter", head, "span", "s2"),  # a request: not counted
               KindSample("Was it Sunday or Monday?", "Sunday", head, "span", "s3"),  # alternatives: not counted
               KindSample("Where was she?", "home", head, "span", "s3")]  # fmt: skip
    assert form_share(samples) == 0.75
    assert form_share(samples[4:]) == 0.0  # no plain yes/no question: no floor


def test_decision_scores_show_a_decision_that_only_leans_to_yes():
    # three yes turns and one no turn the span says; a head that leans to "yes" everywhere
    head = (0.2, 0.5, 0.3)
    samples = [KindSample("Did she sail?", "she sailed", head, "yes", "s1"),
               KindSample("Was she found?", "rescuers found her", head, "yes", "s1"),
               KindSample("Was she cold?", "she was cold", head, "yes", "s2"),
               KindSample("Did her boat return?", "her boat did not return", head, "no", "s2"),
               KindSample("Where was she found?", "Crane Island", (0.9, 0.05, 0.05), "span", "s2")]  # fmt: skip
    alone = decision_scores(samples, AnswerKind())
    assert (alone["turns"], alone["yes_no_turns"]) == (5, 4)
    assert alone["says_yes"] == 1.0 and alone["yes_share"] == 0.75 and alone["polarity_accuracy"] == 0.75
    assert alone["kind_accuracy"] == 1.0
    # the head gives each yes/no turn a "yes" at 0.8 x 0.625 = 0.5: 3 of 4 right; held back below 0.6, not 0.45
    assert (alone["verdicts"], alone["verdicts_right"]) == (4, 3)
    unsure = decision_scores(samples, AnswerKind(), verdict_threshold=0.6)
    assert (unsure["held_back"], unsure["held_back_right"]) == (4, 3)
    assert decision_scores(samples, AnswerKind(), verdict_threshold=0.45)["held_back"] == 0
    # a polarity that reads the span's negation gets the "no" too (weights: bias, head, negations, ...)
    reads = AnswerKind(polarity_weights=(1.0, 0.0, -3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    scores = decision_scores(samples, reads)
    assert scores["polarity_accuracy"] == 1.0 and scores["says_yes"] == 0.75
    assert head_only_scores(samples) == {"kind_accuracy": 1.0, "polarity_accuracy": 0.75}


def test_decision_scores_with_a_polarity_reader_average_its_word_as_the_bot_does():
    # the head leans to "yes" (0.625) everywhere; a polarity reader that leans to "no" (0.45) where the span says
    # "did not", not enough to outweigh the head: averaged in log-odds, as the bot decides, both are "yes"
    head = (0.2, 0.5, 0.3)
    samples = [KindSample("Did she sail?", "she sailed", head, "yes", "s1", "She sailed at dawn.", 0, 10),
               KindSample("Did her boat return?", "her boat did not return", head, "no", "s2",
                          "But her boat did not return.", 4, 27, (("Who sailed?", "Ana"),))]  # fmt: skip

    class Reads:
        def __init__(self, leaning: float) -> None:
            self.leaning, self.calls = leaning, []

        def yes_probability(self, question, text, start, end, history=()):
            self.calls.append((question, text[start:end], tuple(history)))
            return self.leaning if "not" in text[start:end] else 0.9

    reads = Reads(0.45)
    scores = decision_scores(samples, AnswerKind(), polarity=reads)
    assert (
        scores["says_yes"] == 1.0 and scores["polarity_accuracy"] == 0.5
    )  # its "no" alone is not the answer
    assert (scores["verdicts"], scores["verdicts_right"]) == (
        2,
        1,
    )  # the verdicts the bot gives, the same count
    # each sample read once, its span in its window, with its conversation
    assert sorted(reads.calls) == [("Did her boat return?", "her boat did not return", (("Who sailed?", "Ana"),)),
                                   ("Did she sail?", "She sailed", ())]  # fmt: skip
    # one sure of the "no" (0.05) outweighs the head: both right
    sure = decision_scores(samples, AnswerKind(), polarity=Reads(0.05))
    assert sure["polarity_accuracy"] == 1.0 and sure["says_yes"] == 0.5 and sure["verdicts_right"] == 2
