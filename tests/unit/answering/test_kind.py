"""The answer-kind decision (qa_bot.answering.kind): its features, the head alone, a fitted decision on a tiny
made-up story, and the stored file."""

from __future__ import annotations

import json
import math
import random

import pytest

from qa_bot.answering.attribution import Attributor
from qa_bot.answering.extractive import Calibration, ExtractiveAnswerer
from qa_bot.answering.kind import (
    ANSWER_KIND_FILE,
    KIND_FEATURES,
    POLARITY_FEATURES,
    AnswerKind,
    asks_yes_or_no,
    hedges,
    kind_features,
    polarity_features,
)
from qa_bot.errors import ModelUnavailable
from qa_bot.text import rule_sentences
from qa_bot.types import Passage
from tests.unit.answering.test_reader import FakeReader, chunk_of

STORY = (
    "Storm on the lake\n\n"
    "Ana Ruiz sailed out of Port Elm on Sunday morning. "
    "Her boat did not return to the harbour before the storm. "
    "Rescuers found her on Crane Island, cold but unhurt, two days later."
)


def feature(names, values, name):
    return dict(zip(names, values, strict=True))[name]


@pytest.mark.parametrize(
    ("question", "auxiliary", "alternatives", "wh"),
    [
        ("Did she return safely?", 1, 0, 0),
        ("And was her boat found?", 1, 0, 0),
        ("so, is she home now?", 1, 0, 0),
        ("Where did she sail from?", 0, 0, 1),
        ("County?", 0, 0, 0),
        ("Was it Sunday or Monday?", 1, 1, 0),
    ],
)
def test_the_question_s_form(question, auxiliary, alternatives, wh):
    f = kind_features(question, (0.5, 0.25, 0.25))
    assert len(f) == len(KIND_FEATURES) and f[0] == 1.0
    assert feature(KIND_FEATURES, f, "auxiliary_first") == auxiliary
    assert feature(KIND_FEATURES, f, "alternatives") == alternatives
    assert feature(KIND_FEATURES, f, "wh_word") == wh
    assert feature(KIND_FEATURES, f, "head_log_odds") == pytest.approx(0.0, abs=1e-5)  # P(yes/no) = P(span)


@pytest.mark.parametrize(
    ("question", "plain"),
    [
        ("Were more than 1,000 people rescued?", True),
        ("And did she return safely?", True),
        ("is she home now", True),
        ("Can you watch the race from the shore?", True),
        ("Can you name another?", False),  # a request for words
        ("Could you please tell me her name?", False),
        ("Can you tell me who found her?", False),  # a wh-word: an indirect question
        ("Was it Sunday or Monday?", False),  # alternatives
        ("Where did she sail from?", False),
        ("County?", False),
    ],
)
def test_the_plain_form_of_a_yes_no_question(question, plain):
    assert asks_yes_or_no(question) is plain


def test_a_plain_yes_no_question_is_one_however_much_the_head_leans_to_the_span():
    # the head: a span (as on news for "Were more than 1,000 Israelis killed?"), enough to outweigh the form
    leaning = (0.98, 0.015, 0.005)
    floored = AnswerKind(FITTED.kind_weights, FITTED.polarity_weights, form_share=0.95)
    assert FITTED.yes_no_probability("Was she found on Crane Island?", leaning) < 0.5
    assert floored.yes_no_probability("Was she found on Crane Island?", leaning) == pytest.approx(0.95)
    kind, p = floored.decide("Was she found on Crane Island?", "Rescuers found her on Crane Island", leaning)
    assert kind == "yes" and 0.5 < p <= 0.95
    # the floor is a floor: a surer decision keeps its own probability; other forms are untouched
    sure = (0.01, 0.9, 0.09)
    assert floored.yes_no_probability("Was she found?", sure) == FITTED.yes_no_probability(
        "Was she found?", sure
    )
    for other in ("Where was she found?", "Can you name the island?", "Was it Sunday or Monday?"):
        assert floored.yes_no_probability(other, leaning) == FITTED.yes_no_probability(other, leaning)
        assert floored.decide(other, "Crane Island", leaning)[0] == "span"
    head = AnswerKind(form_share=0.9)  # with the head alone too
    assert head.yes_no_probability("Did she?", leaning) == pytest.approx(0.9)
    with pytest.raises(ValueError, match="form_share"):
        AnswerKind(form_share=1.5)


def test_the_span_s_words():
    f = polarity_features("Did her boat return?", "Her boat did not return to the harbour", (0.2, 0.5, 0.3))
    assert feature(POLARITY_FEATURES, f, "span_negations") == 1
    assert feature(POLARITY_FEATURES, f, "question_negated") == 0
    assert feature(POLARITY_FEATURES, f, "negation_differs") == 1
    assert feature(POLARITY_FEATURES, f, "question_words_missing") == 0  # boat, return: both in the span
    assert feature(POLARITY_FEATURES, f, "head_log_odds") == pytest.approx(math.log(0.5 / 0.3), abs=1e-4)
    g = polarity_features(
        "Did Ana sail 3 days?", "Rescuers found her on Crane Island, cold but unhurt", (0, 0.5, 0.5)
    )
    assert feature(POLARITY_FEATURES, g, "number_missing") == 1
    assert feature(POLARITY_FEATURES, g, "name_missing") == 1  # "Ana" (the first word is never a name)
    assert feature(POLARITY_FEATURES, g, "span_contrast") == 1  # "but"
    assert feature(POLARITY_FEATURES, g, "question_words_missing") == 1.0  # ana, sail, 3, days: none said
    assert feature(POLARITY_FEATURES, g, "negation_differs") == 0


@pytest.mark.parametrize(
    ("question", "existence", "exclusive"),
    [
        ("Did anyone else see her?", 1, 0),
        ("Was there another boat?", 1, 0),
        ("Has she ever sailed?", 1, 0),
        ("Was there a storm?", 1, 0),  # "there is": existence; "there", a place, is not
        ("Was she there?", 0, 0),
        ("Was she alone?", 0, 1),
        ("Was this the only time?", 0, 1),
        ("Did all of them return?", 0, 1),
        ("Did her boat return?", 0, 0),
        ("Is the company worth more?", 0, 0),  # "another", "all" only as whole words
    ],
)
def test_what_the_question_asks_of_its_quantity(question: str, existence: int, exclusive: int):
    f = polarity_features(question, "Rescuers found her on Crane Island", (0.2, 0.5, 0.3))
    assert feature(POLARITY_FEATURES, f, "asks_existence") == existence
    assert feature(POLARITY_FEATURES, f, "asks_exclusive") == exclusive


@pytest.mark.parametrize(
    ("span", "negations"),
    [
        ("the ministry denies any involvement in it", 1),
        ("the harbour master refused to comment", 1),
        ("rescuers failed to reach her", 1),
        ("her request was rejected", 1),
        ("the dentist opened a new practice", 0),  # "den" inside a word is no denial
        ("a refusenik wrote the letter", 0),
    ],
)
def test_a_verb_that_denies_is_a_negation(span, negations):
    f = polarity_features("Did they admit it?", span, (0.2, 0.5, 0.3))
    assert feature(POLARITY_FEATURES, f, "span_negations") == negations
    assert feature(POLARITY_FEATURES, f, "negation_differs") == negations


def test_without_a_fitted_decision_the_head_decides_alone():
    rng = random.Random(0)
    head = AnswerKind()
    for _ in range(200):
        raw = [rng.random() for _ in range(3)]
        probs = tuple(x / sum(raw) for x in raw)
        p_span, p_yes, p_no = probs
        expected = "span" if p_span >= p_yes + p_no else ("yes" if p_yes >= p_no else "no")
        kind, p = head.decide("Did she?", "words", probs)
        assert kind == expected and 0.0 <= p <= 1.0
    assert head.decide("q", "w", ()) == ("span", 1.0)  # a reader without the head: always the span


# Weights of the shape a fit gives (signs as fitted on CoQA), made up for the test
FITTED = AnswerKind(
    kind_weights=(-1.5, 0.5, 3.0, -2.5, -1.0),
    polarity_weights=(0.3, 1.0, -0.4, 0.9, -2.5, 0.0, -0.5, -0.8, -0.3, 0.0, 0.5, -0.7),
)


def answer(question, span, kinds, decider=FITTED):
    reader = FakeReader([(span, 6.0)], kinds=kinds)
    bot = ExtractiveAnswerer(reader, Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                             answer_kind=decider)  # fmt: skip
    return bot.answer(question, [Passage(chunk_of(STORY, start=100), score=1.0)])


def test_a_fitted_decision_answers_yes_no_questions_on_a_tiny_story():
    doc = "x" * 100 + STORY
    # the head leans to "span" and to "yes"; the question's form and the span's negation say "No"
    a = answer("Did her boat return before the storm?", "did not return to the harbour", (0.6, 0.3, 0.1))
    assert (a.kind, a.text, a.quote) == ("no", "No", "did not return to the harbour")
    assert doc[a.answer_start : a.answer_end] == a.quote  # the offsets invariant holds for yes/no answers
    c = a.citations[0]
    assert c.start <= a.answer_start < a.answer_end <= c.end and doc[c.start : c.end] == c.text
    assert 0.5 < a.meta["kind_probability"] <= 1.0
    # the head alone takes the same window as a span answer
    head = answer("Did her boat return before the storm?", "did not return to the harbour", (0.6, 0.3, 0.1),
                  AnswerKind())  # fmt: skip
    assert (head.kind, head.text) == ("span", "did not return to the harbour")
    # a yes the span says without negation
    yes = answer("Was she found on Crane Island?", "Rescuers found her on Crane Island", (0.4, 0.35, 0.25))
    assert (yes.kind, yes.text, yes.quote) == ("yes", "Yes", "Rescuers found her on Crane Island")
    # a wh-question is answered by its span, whatever the head leans to
    span = answer("Where was she found?", "Crane Island", (0.45, 0.5, 0.05))
    assert (span.kind, span.text) == ("span", "Crane Island")
    # an elliptical follow-up with no auxiliary: the span too
    ell = answer("Which island?", "Crane Island", (0.5, 0.4, 0.1))
    assert (ell.kind, ell.text) == ("span", "Crane Island")


def test_a_yes_or_no_too_unsure_to_give_is_held_back_and_the_words_answer():
    doc = "x" * 100 + STORY
    words = "Rescuers found her on Crane Island"
    # the head: a yes/no question (0.7), torn between yes (0.36) and no (0.34): "Yes" would be a coin flip
    torn = (0.3, 0.36, 0.34)
    a = answer("Was she found on Crane Island?", words, torn, AnswerKind())
    assert (a.kind, a.text, a.quote) == ("span", words, words) and not a.abstained
    assert a.meta["withheld"] == "yes" and a.meta["kind_probability"] == pytest.approx(0.36)
    assert doc[a.answer_start : a.answer_end] == a.quote and a.citations  # quoted and cited as any span
    # the same reading with the verdict threshold lowered below it: the yes is given
    reader = FakeReader([(words, 6.0)], kinds=torn)
    given = ExtractiveAnswerer(reader, Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                               answer_kind=AnswerKind(), verdict_threshold=0.3)  # fmt: skip
    yes = given.answer("Was she found on Crane Island?", [Passage(chunk_of(STORY, start=100), score=1.0)])
    assert (yes.kind, yes.text) == ("yes", "Yes") and "withheld" not in yes.meta
    # a sure verdict is never held back, and a span answer has nothing to hold back
    sure = answer("Was she found on Crane Island?", words, (0.1, 0.8, 0.1), AnswerKind())
    assert (sure.kind, sure.text) == ("yes", "Yes") and "withheld" not in sure.meta
    span = answer("Where was she found?", "Crane Island", (0.9, 0.05, 0.05), AnswerKind())
    assert span.kind == "span" and "withheld" not in span.meta
    with pytest.raises(ValueError, match="verdict_threshold"):
        ExtractiveAnswerer(reader, verdict_threshold=1.5)


@pytest.mark.parametrize(
    ("question", "span", "hedged"),
    [
        ("Is the object a black hole?", "The object looks identical to a black hole", True),
        ("Is it a new type of star?", "it could actually be a new type of star", True),
        ("Did he admit it to the police?", "The boyfriend reportedly told police he was drunk", True),
        ("Was he the leader?", "He appears to be the group's leader", True),
        (
            "Is it a black hole?",
            "but it could actually be a new type of star",
            False,
        ),  # hedges something else
        ("Was she found on Crane Island?", "Rescuers found her on Crane Island", False),
        ("Could it be a star?", "It is a star", False),
        ("Did Cisco buy Acacia?", "After Cisco Agrees to Buy It", True),  # agreed to, not done
        # a question about the hedge itself is answered by it
        ("Did Cisco agree to buy Acacia?", "After Cisco Agrees to Buy It", False),
        ("Does it look like a black hole?", "The object looks identical to a black hole", False),
        ("Could it be a new type of star?", "it could actually be a new type of star", False),
    ],
)
def test_words_that_hedge_what_is_asked(question, span, hedged):
    assert hedges(question, span) is hedged


def test_a_verdict_resting_on_words_that_hedge_it_is_held_back():
    story = "Wreck found\n\nThe wreck looks like a fishing boat, divers said. It sank in 1921."
    reader = FakeReader(
        [("The wreck looks like a fishing boat", 6.0)], kinds=(0.05, 0.9, 0.05)
    )  # a sure "yes"
    bot = ExtractiveAnswerer(reader, Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                             answer_kind=AnswerKind())  # fmt: skip
    a = bot.answer("Is the wreck a fishing boat?", [Passage(chunk_of(story), score=1.0)])
    assert (a.kind, a.text, a.meta["withheld"]) == ("span", "The wreck looks like a fishing boat", "yes")
    assert story[a.answer_start : a.answer_end] == a.text  # quoted at its offsets, as any span


def test_the_stored_decision_loads_and_checks_its_features(tmp_path):
    shipped = AnswerKind.load()  # the shipped reader's: fitted on CoQA's training stories
    assert 0.5 < shipped.form_share < 1.0  # most plain yes/no questions are answered yes or no
    assert len(shipped.kind_weights) == len(KIND_FEATURES)
    assert len(shipped.polarity_weights) == len(POLARITY_FEATURES)
    assert AnswerKind.load(tmp_path) == AnswerKind()  # none fitted: the head alone
    record = {"kind_features": ["bias"], "kind_weights": [1.0], "polarity_features": list(POLARITY_FEATURES),
              "polarity_weights": [0.0] * len(POLARITY_FEATURES)}  # fmt: skip
    (tmp_path / ANSWER_KIND_FILE).write_text(json.dumps(record))
    with pytest.raises(ModelUnavailable, match="other features"):
        AnswerKind.load(tmp_path)
    record.update(kind_features=list(KIND_FEATURES), kind_weights=[1.0, 2.0])  # too few weights
    (tmp_path / ANSWER_KIND_FILE).write_text(json.dumps(record))
    with pytest.raises(ModelUnavailable, match="needs 5 weights"):
        AnswerKind.load(tmp_path)
    (tmp_path / ANSWER_KIND_FILE).write_text("{not json")
    with pytest.raises(ModelUnavailable, match="Cannot read the answer-kind decision"):
        AnswerKind.load(tmp_path)
    with pytest.raises(ValueError, match="needs 5 weights"):
        AnswerKind(kind_weights=(1.0, 2.0))


def test_what_the_question_asks_of_its_quantity_moves_the_verdict():
    span, probs = "Rescuers found her on Crane Island", (0.1, 0.5, 0.4)
    plain = FITTED.yes_probability("Was she found on Crane Island?", span, probs)
    assert FITTED.yes_probability("Was anyone found on Crane Island?", span, probs) > plain  # existence: +0.5
    assert FITTED.yes_probability("Was she the only one found on Crane Island?", span, probs) < plain  # -0.7
