"""The answerer on the real seed article with the real models (session-scoped fixtures)."""

from __future__ import annotations

import json

import pytest

from qa_bot import ABSTAIN_TEXT
from qa_bot.answerer import analyze_question

from .conftest import SHARED_DATA

pytestmark = pytest.mark.slow


def assert_grounded(bot, answer):
    """The invariant: every citation is an exact slice of its stored document; the answer lies inside one."""
    for c in (*answer.citations, *answer.related):
        assert bot.document(c.doc_id).text[c.start : c.end] == c.text
    if not answer.abstained:
        assert answer.citations
        first = answer.citations[0]
        doc = bot.document(answer.doc_id)
        assert doc.text[answer.answer_start : answer.answer_end] == answer.text
        assert answer.doc_id == first.doc_id
        assert first.start <= answer.answer_start < answer.answer_end <= first.end
    else:
        assert answer.text == ABSTAIN_TEXT and not answer.citations


def test_who_denied_the_allegations(seed_bot):
    a = seed_bot.ask("who denied the allegations?", history=[])
    assert "Iravani" in a.text
    assert not a.abstained
    assert "categorically denied" in a.citations[0].text
    assert_grounded(seed_bot, a)


def test_unanswerable_question_abstains_with_related_passages(seed_bot):
    a = seed_bot.ask("Who won the 2022 World Cup?")
    assert a.abstained and a.text == ABSTAIN_TEXT
    assert a.related
    assert_grounded(seed_bot, a)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many hostages were captured in the attack?", "224"),
        ("When did the attack on Israel take place?", "October 7"),
        ("What did Iravani call the allegations?", "baseless"),
        ("In which city did Iranian security officials approve the assault?", "Beirut"),
    ],
)
def test_typed_questions(seed_bot, question, expected):
    a = seed_bot.ask(question)
    assert expected in a.text
    assert_grounded(seed_bot, a)


def test_follow_up_is_rewritten_and_answered(seed_bot):
    first = seed_bot.ask("Who denied the allegations?")
    follow = seed_bot.ask("What did he call them?", history=[("Who denied the allegations?", first.text)])
    assert follow.rewritten_question is not None
    assert "Iravani" in follow.rewritten_question
    assert "baseless" in follow.text
    assert_grounded(seed_bot, follow)


def test_every_dev_question_keeps_the_citation_invariant(seed_bot):
    path = SHARED_DATA / "seed_qa_dev.json"
    if not path.exists():
        pytest.skip(f"shared dev data not found at {path}")
    data = json.loads(path.read_text())
    questions = [q for a in data["data"] for p in a["paragraphs"] for q in p["qas"]]
    answered = 0
    for q in questions:
        a = seed_bot.ask(q["question"], history=[tuple(h) for h in q.get("history", [])])
        assert_grounded(seed_bot, a)
        answered += not a.abstained
    assert answered >= len(questions) // 2


@pytest.mark.parametrize(
    ("question", "wh", "label"),
    [
        ("Who conducted the training?", "who", "PERSON"),
        ("How many Israelis were massacred?", "how many", "CARDINAL"),
        ("When did it happen?", "when", "DATE"),
        ("In which city did they meet?", "which", "GPE"),
        ("How much money did Iran give?", "how much", "MONEY"),
    ],
)
def test_question_analysis_types(seed_bot, question, wh, label):
    info = analyze_question(question, seed_bot.nlp)
    assert info.wh == wh
    assert label in info.expected


def test_attribution_question_asks_for_the_subject(seed_bot):
    info = analyze_question("Who denied the allegations?", seed_bot.nlp)
    assert info.verb == "deny" and info.slot == "subject"


@pytest.fixture(scope="module")
def made_up_bot(tmp_path_factory):
    """A real bot over a short made-up article written for these tests."""
    from qa_bot import QABot

    bot = QABot(index_dir=tmp_path_factory.mktemp("made-up"))
    bot.ingest_text(
        "Harbour report\n\n"
        "A study released in the Marine Society journal Tides reviews how harbours silt up. "
        '"We did not expect this," said Clara Jones, a Lund University geologist who led the study. '
        "The port agreed to buy the dredger for about 9 million euros, up from a previously agreed price "
        "of 7 million euros. Cargo volumes were up 0.4% last year. "
        "Ivo Berg, the chairman of Nordport, signed the order with the Baltic Dredging Company.",
        title="Harbour report",
    )
    return bot


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("In which journal was the study released?", "Tides"),  # names the thing asked about
        ("Who led the study?", "Clara Jones"),  # the name the relative clause's noun stands beside
        ("What was the previously agreed price?", "7 million euros"),  # the value "of" the asked noun
        ("How much did cargo volumes rise?", "0.4%"),  # "up" is a particle here, not "up to"
    ],
)
def test_generic_span_rules(made_up_bot, question, expected):
    a = made_up_bot.ask(question)
    assert a.text == expected
    assert_grounded(made_up_bot, a)


def test_office_holder_must_be_stated(made_up_bot):
    """An office asked about together with where it is held needs a sentence that states exactly that."""
    a = made_up_bot.ask("Who is the chairman of Nordport?")
    assert a.text == "Ivo Berg"
    for question in (
        "Who is the chairman of the Baltic Dredging Company?",  # a chairman, but of Nordport
        "What is the name of the leader of the Marine Society?",  # nobody is said to lead it
    ):
        a = made_up_bot.ask(question)
        assert a.abstained, (question, a.text)
