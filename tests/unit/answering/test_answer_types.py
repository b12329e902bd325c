"""The type of answer a question asks for: features, span types, the model file, and the answerer's rule with a
fake reader and fake entities; then the shipped model (slow) and the fit on a slice of SQuAD (integration)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qa_bot.answering.answer_types import (
    ANSWER_TYPES_FILE,
    NO_ENTITY,
    AnswerTypes,
    question_features,
    span_type,
    typed_question,
    typed_span,
)
from qa_bot.answering.attribution import Attributor
from qa_bot.answering.calibration import Calibration
from qa_bot.answering.extractive import ExtractiveAnswerer
from qa_bot.answering.kind import AnswerKind
from qa_bot.answering.reader import ReadResult
from qa_bot.answering.windows import SpanScore
from qa_bot.errors import ModelUnavailable
from qa_bot.text import rule_sentences
from qa_bot.types import Chunk, Passage

STORY = (
    "Acacia shares were up 31.8% in recent trading. "
    "Cisco will pay $4.5 billion for Acacia, the company said. "
    "Analysts at Needham called the price fair."
)
# what a NER would find, as phrases of STORY
ENTITIES = {"31.8%": "PERCENT", "$4.5 billion": "MONEY", "Cisco": "ORG", "Acacia": "ORG", "Needham": "ORG"}


def entities(sentence: str) -> list[tuple[int, int, str]]:
    found = []
    for phrase, label in ENTITIES.items():
        at = sentence.find(phrase)
        while at >= 0:
            found.append((at, at + len(phrase), label))
            at = sentence.find(phrase, at + 1)
    return found


def model(floor: float = 0.05, window: float = 2.0, plain: float = 0.0) -> AnswerTypes:
    """Money for "how much", a person or an organisation for "who", words but no percentage for "call"; "O" (no
    entity) otherwise."""
    labels = ("MONEY", "O", "ORG", "PERCENT", "PERSON")
    weights = {"wh1=how_much": (4.0, 1.0, -2.0, -2.0, -2.0), "wh=who": (-3.0, 0.0, 2.0, -3.0, 2.0),
               "w=call": (0.0, 0.0, 0.0, -4.0, 0.0)}  # fmt: skip
    return AnswerTypes(labels, (0.0, 1.0, 0.0, 0.0, 0.0), weights, floor, window, plain)


class Reader:
    """Scores the given phrases of the story (first = best) in one window."""

    def __init__(self, *scored: tuple[str, float]) -> None:
        self.scored = scored

    def read(self, question, pieces, history=()):
        spans = []
        for text, score, *nth in self.scored:  # the phrase's nth occurrence (default: its first)
            at = -1
            for _ in range((nth or [0])[0] + 1):
                at = pieces[0].index(text, at + 1)
            spans.append(SpanScore(0, at, at + len(text), score, 0.0, 0))
        return ReadResult(tuple(spans), 0.0, windows=1, kinds=((1, 0, 0),))


def answer(
    question: str, *scored: tuple[str, float], types: AnswerTypes | None = None, found=entities, history=()
):
    answerer = ExtractiveAnswerer(Reader(*scored), Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                                  answer_kind=AnswerKind(), types=types or model())  # fmt: skip
    typed = None if found is None else tuple(found(STORY))  # as found at ingest
    chunk = Chunk("c0", "d", "T", 10, 10 + len(STORY), STORY, entities=typed)
    return answerer.answer(question, [Passage(chunk, score=1.0)], history=history)


def test_question_features_are_the_wh_phrase_and_the_words():
    found = question_features("How much will Cisco pay, and how much more?")
    assert found[:5] == ["bias", "wh=how", "wh1=how_much", "wh2=how_much_will", "w=how"]
    assert found.count("w=much") == 1 and "w=cisco" in found  # each word once, lower-cased
    assert question_features("Did it rain?")[:2] == ["bias", "wh=none"]
    assert "wh2=why__" in question_features("Why?")  # nothing after the wh-word


def test_a_span_takes_the_type_of_the_entity_covering_half_of_it():
    found = [(0, 5, "ORG"), (10, 22, "MONEY")]
    assert span_type(found, 10, 22) == "MONEY"
    assert span_type(found, 6, 22) == "MONEY"  # 12 of 16 characters
    assert span_type(found, 0, 30) == NO_ENTITY  # the longest overlap (12) is under half of 30
    assert span_type([], 0, 3) == NO_ENTITY


def test_a_headline_names_no_type_but_its_amounts_do():
    headline = "Acacia Stock Rises 30% After Cisco Agrees to Buy It for $4.5 Billion"
    found = [
        (headline.index("Cisco"), headline.index(" to Buy"), "FAC"),
        (headline.index("$4.5"), len(headline), "MONEY"),
    ]
    cisco = headline.index("Cisco")
    assert typed_span(found, cisco, cisco + 5, headline) is None  # spaCy's "FAC" is not believed there
    assert typed_span(found, headline.index("$4.5"), len(headline), headline) == "MONEY"
    plain = "Later that day the Cisco Agrees team said no."
    at = plain.index("Cisco")
    assert typed_span([(at, at + 12, "FAC")], at, at + 5, plain) == "FAC"
    assert typed_span(None, at, at + 5, plain) is None  # stored before entities were kept: not known


def test_an_elliptical_follow_up_is_typed_with_the_question_before_it():
    history = [("How much will Fjordkraft invest?", "900 million crowns")]
    assert typed_question("In dollars?", history) == "How much will Fjordkraft invest? In dollars?"
    assert typed_question("In dollars?") == "In dollars?"
    assert typed_question("When will it open?", history) == "When will it open?"  # its own wh-word
    got = answer(
        "In dollars?", ("31.8%", 6.0), ("$4.5 billion", 5.0), history=[("How much will Cisco pay?", "a lot")]
    )
    assert got.text == "$4.5 billion"
    # alone, "In dollars?" asks for no type: the reader's pick stands
    assert answer("In dollars?", ("31.8%", 6.0), ("$4.5 billion", 5.0)).text == "31.8%"


def test_probabilities_follow_the_weights_and_sum_to_one():
    p = model().probabilities("How much will Cisco pay for Acacia?")
    assert math.isclose(sum(p.values()), 1.0)
    assert max(p, key=p.get) == "MONEY" and p["PERCENT"] < 0.05
    q = model().probabilities("Why did it rise?")  # no feature but the bias: "O" leads
    assert max(q, key=q.get) == "O"
    assert (
        model().unlikely(p, "PERCENT") and not model().unlikely(p, "MONEY") and not model().unlikely(p, None)
    )
    assert model().expects(p, "MONEY") and not model().expects(p, NO_ENTITY) and not model().expects(p, None)


def test_bad_models_are_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="one weight per label"):
        AnswerTypes(("A", "B"), (0.0,))
    with pytest.raises(ValueError, match="floor"):
        AnswerTypes(("A",), (0.0,), floor=1.5)
    with pytest.raises(ValueError, match="plain"):
        AnswerTypes(("A",), (0.0,), plain=-0.1)
    assert AnswerTypes.load(tmp_path) is None  # none fitted: no rule
    (tmp_path / ANSWER_TYPES_FILE).write_text('{"labels": ["A"]}')
    with pytest.raises(ModelUnavailable, match="answer-type model"):
        AnswerTypes.load(tmp_path)


def test_a_model_round_trips_through_its_file(tmp_path: Path):
    m = model(0.1, 3.0, 0.4)
    record = {
        "labels": m.labels,
        "bias": m.bias,
        "weights": m.weights,
        "floor": 0.1,
        "window": 3.0,
        "plain": 0.4,
    }
    (tmp_path / ANSWER_TYPES_FILE).write_text(json.dumps(record))
    loaded = AnswerTypes.load(tmp_path)
    assert loaded == m and loaded.weights == m.weights
    del record["plain"]  # fitted before the rule had it: a span that is no entity never replaces one
    (tmp_path / ANSWER_TYPES_FILE).write_text(json.dumps(record))
    assert AnswerTypes.load(tmp_path).plain == 0.0


def test_an_unlikely_type_is_passed_over_for_a_likely_one_close_behind():
    got = answer("How much will Cisco pay for Acacia?", ("31.8%", 6.0), ("$4.5 billion", 5.0))
    assert got.text == "$4.5 billion" and STORY[got.answer_start - 10 : got.answer_end - 10] == got.text
    assert got.meta["passed_over"] == "31.8%"
    assert got.citations[0].text.startswith("Cisco will pay")
    # too far behind: the reader's pick stands
    kept = answer("How much will Cisco pay?", ("31.8%", 6.0), ("$4.5 billion", 3.0))
    assert kept.text == "31.8%" and "passed_over" not in kept.meta
    # no model, or no entities kept at ingest: the reader's order
    plain = ExtractiveAnswerer(Reader(("31.8%", 6.0), ("$4.5 billion", 5.0)), Attributor(rule_sentences),
                               calibration=Calibration(0.0, 1.0), answer_kind=AnswerKind())  # fmt: skip
    chunk = Chunk("c0", "d", "T", 10, 10 + len(STORY), STORY, entities=tuple(entities(STORY)))
    assert plain.answer("How much will Cisco pay?", [Passage(chunk, score=1.0)]).text == "31.8%"
    assert (
        answer("How much will Cisco pay?", ("31.8%", 6.0), ("$4.5 billion", 5.0), found=None).text == "31.8%"
    )


def test_only_another_answer_of_a_known_entity_type_replaces_it():
    # the same words, worded wider, are the same answer
    wider = answer("How much will Cisco pay?", ("31.8%", 6.0), ("up 31.8%", 5.5), ("$4.5 billion", 5.0))
    assert wider.text == "$4.5 billion"
    # a span that is no entity is no surer an answer than the one passed over, where the question expects an
    # entity ("how much": P(O) 0.12 here) ...
    for plain in (0.0, 0.3):
        got = answer(
            "How much will Cisco pay?", ("31.8%", 6.0), ("the price fair", 5.5), types=model(plain=plain)
        )
        assert got.text == "31.8%"


def test_words_that_are_no_entity_replace_an_unlikely_type_where_the_question_expects_words():
    asked = "What did analysts call the price?"  # P(PERCENT) 0.003, P(O) 0.47
    p = model().probabilities(asked)
    assert p["PERCENT"] < 0.05 and 0.3 <= p[NO_ENTITY] < 0.5
    got = answer(asked, ("31.8%", 6.0), ("fair", 5.5), types=model(plain=0.3))
    assert got.text == "fair" and got.meta["passed_over"] == "31.8%"
    assert got.citations[0].text.startswith("Analysts at Needham")
    # not where the rule is off, nor where the question expects words less likely than ``plain``
    assert answer(asked, ("31.8%", 6.0), ("fair", 5.5), types=model()).text == "31.8%"
    assert answer(asked, ("31.8%", 6.0), ("fair", 5.5), types=model(plain=0.5)).text == "31.8%"
    # nor beyond the window
    assert answer(asked, ("31.8%", 6.0), ("fair", 3.0), types=model(plain=0.3)).text == "31.8%"


def test_the_same_words_typed_otherwise_elsewhere_keep_the_pick():
    first = STORY.index(".") + 1

    def mixed(text):  # "Acacia" a place in the first sentence, an organisation after it
        return [(a, b, "GPE" if b <= first else label) for a, b, label in entities(text)]

    # the only "Acacia" read is a place, which a "who" question rules out: passed over
    assert answer("Who will be bought?", ("Acacia", 6.0), ("Needham", 5.0), found=mixed).text == "Needham"
    # read again where it is an organisation: spaCy's one-off reading does not pass it over
    got = answer("Who will be bought?", ("Acacia", 6.0), ("Acacia", 5.8, 1), ("Needham", 5.0), found=mixed)
    assert got.text == "Acacia" and got.answer_start - 10 == STORY.index("Acacia")


def test_a_yes_no_question_is_left_to_the_answer_kind():
    asked = []

    class Spy(AnswerTypes):
        def probabilities(self, question):
            asked.append(question)
            return super().probabilities(question)

    m = model()
    spy = Spy(m.labels, m.bias, m.weights, m.floor, m.window)
    answer("Did Cisco pay $4.5 billion?", ("31.8%", 6.0), ("$4.5 billion", 5.0), types=spy)
    assert asked == []
    answer("How much did Cisco pay?", ("31.8%", 6.0), ("$4.5 billion", 5.0), types=spy)
    assert asked == ["How much did Cisco pay?"]


@pytest.fixture(scope="module")
def shipped() -> AnswerTypes:
    loaded = AnswerTypes.load()
    assert loaded is not None, "the shipped reader has no answer_types.json: run `qa-bot fit-answer-types`"
    return loaded


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected", "ruled_out"),
    [
        ("How much did the museum pay for the painting?", "MONEY", "PERCENT"),
        ("When did the bridge open?", "DATE", "PERSON"),
        ("How many workers lost their jobs?", "CARDINAL", "PERSON"),
        ("What percentage of voters stayed home?", "PERCENT", "PERSON"),
        ("Who founded the company?", "PERSON", "MONEY"),
    ],
)
def test_the_shipped_model_expects_the_asked_type(shipped, question, expected, ruled_out):
    p = shipped.probabilities(question)
    assert max(p, key=p.get) == expected and shipped.unlikely(p, ruled_out)


@pytest.mark.slow
def test_the_real_reader_and_ner_answer_how_much_with_an_amount(trained_reader, shipped):
    from qa_bot.ingest.chunk import find_entities
    from qa_bot.models import get_nlp

    story = "Hale Foods shares rose 31.8% after Northwind agreed to pay for the grocer. The deal is worth $2.1 billion."
    chunk = Chunk("c0", "d", "T", 0, len(story), story, entities=tuple(find_entities(story, get_nlp())))
    question = "How much will Northwind pay for Hale Foods?"
    reader_alone = ExtractiveAnswerer(trained_reader, Attributor(rule_sentences)).answer(
        question, [Passage(chunk, 1.0)]
    )
    assert reader_alone.text == "31.8%", "the reader no longer misses this one: pick a story it does miss"
    answerer = ExtractiveAnswerer(trained_reader, Attributor(rule_sentences), types=shipped)
    got = answerer.answer(question, [Passage(chunk, score=1.0)])
    assert got.text == "$2.1 billion" and story[got.answer_start : got.answer_end] == got.text
    assert got.citations[0].text == "The deal is worth $2.1 billion."


@pytest.mark.integration
def test_the_fit_command_writes_a_model_that_loads(tmp_path, shared_data):
    from click.testing import CliRunner

    from qa_bot.cli import cli

    result = CliRunner().invoke(
        cli,
        [
            "fit-answer-types",
            "--data",
            str(shared_data / "train"),
            "--paragraphs",
            "60",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / ANSWER_TYPES_FILE).read_text())
    assert record["questions"] > 200 and 0.0 < record["held_out_accuracy"] <= 1.0 and "O" in record["labels"]
    loaded = AnswerTypes.load(tmp_path)
    assert loaded is not None and len(loaded.weights) > 50
    assert math.isclose(sum(loaded.probabilities("When was it built?").values()), 1.0)
