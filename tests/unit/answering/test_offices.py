"""Office holders: "Who is Nordvik's CEO?" is not answered with the CEO of the company Nordvik buys. The question's
form and the role check are pure functions; the answerer is tested with a fake reader and fake roles, then with the
roles spaCy's parse gives (slow)."""

from __future__ import annotations

import pytest

from qa_bot.answering.attribution import Attributor
from qa_bot.answering.calibration import Calibration
from qa_bot.answering.extractive import ExtractiveAnswerer
from qa_bot.answering.kind import AnswerKind
from qa_bot.answering.offices import asked_office
from qa_bot.answering.reader import ReadResult
from qa_bot.answering.windows import SpanScore
from qa_bot.text import rule_sentences
from qa_bot.types import Answer, Chunk, Passage

STORY = (
    "Nordvik Systems agreed on Thursday to buy Halvard Metals for $2 billion. "
    "Once the deal closes, Halvard CEO Lena Ortiz and her team will join Nordvik. "
    "\u201cWe are delighted to welcome them,\u201d Nordvik CEO Tom Berg said in a statement. "
    "Analyst Maria Costa called the price fair."
)


@pytest.mark.parametrize(
    ("question", "words", "capitals"),
    [
        ("Who is Nordvik's CEO?", {"nordvik", "ceo"}, {"nordvik", "ceo"}),
        ("who is the CEO of Halvard?", {"ceo", "halvard"}, {"ceo", "halvard"}),
        ("And who's the Iranian foreign minister?", {"iranian", "foreign", "minist"}, {"iranian"}),
        ("Who was the president of the NCAA?", {"presid", "ncaa"}, {"ncaa"}),
        ("What is the name of Nordvik's CEO?", {"nordvik", "ceo"}, {"nordvik", "ceo"}),  # the holder's name
        ("What's the full name of the leader of Hamas?", {"leader", "hama"}, {"hama"}),
        ("What is Hezbollah's leader's name?", {"hezbollah", "leader"}, {"hezbollah"}),
    ],
)
def test_a_question_asking_who_holds_an_office(question, words, capitals):
    office = asked_office(question)
    assert office is not None
    assert (set(office.words), set(office.capitals)) == (words, capitals)


@pytest.mark.parametrize(
    "question",
    [
        "Who is he?",  # a pronoun
        "Who was she with?",
        "Who was on a day pass?",  # a preposition
        "Who is Tom Berg?",  # a name: who someone is
        "Who is the current vice president?",  # no name: nothing tells one such office from another
        "Who was arrested?",
        "What is Nordvik's CEO's job?",  # another form
        "What is the name of the study?",  # names no one
        "What is his name?",
    ],
)
def test_questions_that_name_no_office(question):
    assert asked_office(question) is None


@pytest.mark.parametrize(
    ("question", "role", "elsewhere"),
    [
        ("Who is Nordvik's CEO?", "Halvard CEO", True),  # the title, another company's
        ("Who is Nordvik's CEO?", "Halvard (HLVD) CEO", True),
        ("Who is Nordvik's CEO?", "Nordvik CEO", False),
        ("Who is the CEO of Halvard?", "Halvard's chief executive and CEO", False),
        ("Who is Nordvik's CEO?", "CEO", False),  # names no one: says nothing against them
        ("Who is Nordvik's CEO?", "Halvard engineer", False),  # another title: not this office at all
        ("Who is the leader of the Quds Force?", "Brigadier General", False),
        ("Who is Iran's foreign minister?", "Iranian Foreign Minister", False),  # a name and its adjective
        ("Who is Iran's foreign minister?", "Israeli Foreign Minister", True),
    ],
)
def test_a_role_holds_the_office_of_another(question, role, elsewhere):
    office = asked_office(question)
    assert office is not None and office.elsewhere(role) is elsewhere


class RankedReader:
    """Scores the given texts (found in the first piece holding them) in the given order, null 0."""

    def __init__(self, answers: list[tuple[str, float]]) -> None:
        self.answers = answers

    def read(self, question, pieces, history=()):
        spans = []
        for text, score in self.answers:
            i = next(i for i, p in enumerate(pieces) if text in p)
            s = pieces[i].index(text)
            spans.append(SpanScore(i, s, s + len(text), score, 0.0, 0))
        return ReadResult(tuple(spans), 0.0, windows=len(pieces), kinds=((1, 0, 0),))


def answerer(reader, roles) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(reader, Attributor(rule_sentences), calibration=Calibration(0.0, 1.0),
                              answer_kind=AnswerKind(), roles=roles)  # fmt: skip


def passages() -> list[Passage]:
    return [Passage(Chunk("c0", "doc1", "Deal", 0, len(STORY), STORY), score=1.0)]


def ask(reader, roles, question: str, office: bool = True) -> Answer:
    """``question`` answered over the story, the office it asks about checked when ``office``."""
    return answerer(reader, roles).answer(
        question, passages(), office=asked_office(question) if office else None
    )


def fake_roles(sentence: str, name: str) -> list[str]:
    """The role written just before a name in the story's sentences ("Halvard CEO Lena Ortiz")."""
    given = {"Lena Ortiz": "Halvard CEO", "Tom Berg": "Nordvik CEO", "Maria Costa": "Analyst"}
    return [given[name]] if name in given and f"{given[name]} {name}" in sentence else []


def test_the_holder_of_the_office_asked_answers_not_the_same_title_elsewhere():
    reader = RankedReader([("Lena Ortiz", 6.5), ("Tom Berg", 6.2), ("Maria Costa", 3.0)])
    a = ask(reader, fake_roles, "Who is Nordvik's CEO?")
    assert a.text == "Tom Berg" and STORY[a.answer_start : a.answer_end] == "Tom Berg"
    assert a.meta["margin"] == pytest.approx(6.2)  # the answer's own margin
    # the other company's: the reader's first is right
    assert ask(reader, fake_roles, "Who is the CEO of Halvard?").text == "Lena Ortiz"
    # no office checked, or no role finder: the reader's order
    assert ask(reader, fake_roles, "Who is Nordvik's CEO?", office=False).text == "Lena Ortiz"
    assert ask(reader, None, "Who is Nordvik's CEO?").text == "Lena Ortiz"


def test_a_candidate_given_no_role_keeps_its_place():
    reader = RankedReader([("Maria Costa", 6.5), ("Tom Berg", 6.2)])
    assert ask(reader, lambda sentence, name: [], "Who is Nordvik's CEO?").text == "Maria Costa"
    # "Analyst" shares no word with the office: nothing against her either
    assert ask(reader, fake_roles, "Who is Nordvik's CEO?").text == "Maria Costa"


def test_when_every_candidate_holds_another_office_the_question_is_declined():
    reader = RankedReader([("Lena Ortiz", 6.5)])
    a = ask(reader, fake_roles, "Who is Nordvik's CEO?")
    assert a.abstained and a.meta["reason"] == "no span"


@pytest.mark.slow
def test_the_roles_spacy_finds_tell_the_two_chief_executives_apart():
    from qa_bot.conversation import RememberedParses
    from qa_bot.ingest.statements import person_roles
    from qa_bot.models import get_nlp

    nlp = RememberedParses(get_nlp())

    def roles(sentence: str, name: str) -> list[str]:
        return [r.text for _, r, _ in person_roles(sentence, name, nlp, [(0, len(sentence))])]

    reader = RankedReader([("Lena Ortiz", 6.5), ("Tom Berg", 6.2)])
    assert ask(reader, roles, "Who is Nordvik's CEO?").text == "Tom Berg"
    assert ask(reader, roles, "Who is the CEO of Halvard?").text == "Lena Ortiz"


@pytest.mark.slow
def test_the_bot_checks_an_office_by_the_roles_its_sentences_give(seed_bot):
    from qa_bot.finders import role_finder

    sentence = (
        "In talks with French President  Emmanuel Macron, Prime Minister  Benjamin Netanyahu described it."
    )
    roles = role_finder(seed_bot)
    assert roles(sentence, "Emmanuel Macron") == ["French President"]
    assert roles(sentence, "Hamas") == []  # no person
    assert seed_bot.answerer.roles is not None
    asked = "Who is the French President?"
    assert seed_bot.ask(asked).text == "Emmanuel Macron"
    # the office's title held by someone of another country: the reader's candidates are passed over
    office = asked_office("Who is the Israeli President?")
    assert office is not None and office.passes_over(sentence, "Emmanuel Macron", roles)
