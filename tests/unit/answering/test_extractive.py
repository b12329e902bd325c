"""The answer stage on the real seed article with the real models (session-scoped fixtures)."""

from __future__ import annotations

import json

import pytest

from qa_bot import ABSTAIN_TEXT
from qa_bot.answering.names import whole_name

pytestmark = pytest.mark.slow


def assert_grounded(bot, answer):
    """The invariant: every citation is an exact slice of its stored document; the answer lies inside one."""
    for c in (*answer.citations, *answer.related):
        assert bot.document(c.doc_id).text[c.start : c.end] == c.text
    if not answer.abstained:
        assert answer.citations
        first = answer.citations[0]
        doc = bot.document(answer.doc_id)
        assert doc.text[answer.answer_start : answer.answer_end] == answer.quote
        assert answer.kind in {"yes", "no"} or answer.quote == answer.text  # a span answer is its own quote
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


@pytest.mark.parametrize(
    ("question", "kind", "words"),
    [
        # an indirect question opens with an auxiliary, yet asks for the name or the place, not a yes or a no
        ("Can you tell me who denied the allegations?", "span", "Iravani"),
        ("Do you know where the attack happened?", "span", ""),
        ("Did Iran admit to planning the attack?", "no", "denies"),  # the quote says the no
    ],
)
def test_the_answer_kind_of_direct_and_indirect_questions(seed_bot, question, kind, words):
    a = seed_bot.ask(question, history=[])
    assert a.kind == kind, (a.kind, a.text)
    assert words in (a.text if kind == "span" else a.quote)
    assert_grounded(seed_bot, a)


def test_what_the_seed_is_about_is_its_first_sentence_past_the_photo_caption(seed_bot):
    a = seed_bot.ask("What is this article about?", history=[])
    assert a.meta.get("lead") and not a.abstained
    text = seed_bot.document(a.doc_id).text
    caption, story = [line for line in text.split("\n") if line.strip()][:2]
    assert caption.rstrip().endswith(")") and a.text not in caption
    assert story.startswith(a.text)  # the story's first sentence, not the photo caption above it
    assert_grounded(seed_bot, a)


@pytest.mark.parametrize(
    ("question", "name", "caption"),
    [
        ("Who took the photo of the destroyed Israeli tank?", "Yousef Masoud", "Gazans celebrate"),
        ("Who photographed Blinken?", "Seth Wenig", "Blinken speaks"),
    ],
)
def test_who_took_a_photo_is_its_captions_credit(seed_bot, question, name, caption):
    a = seed_bot.ask(question, history=[])
    assert a.meta.get("credit") and a.text == name, (a.text, a.meta)
    assert caption in a.citations[0].text
    assert_grounded(seed_bot, a)


def test_the_seed_names_no_author_and_no_publication_date(seed_bot):
    # a byline or a dateline would answer; the seed has neither, and the people it quotes are not its authors
    for question, reason in (
        ("Who wrote this article?", "no byline"),
        ("When was this story published?", "no dateline"),
    ):
        a = seed_bot.ask(question, history=[])
        assert a.abstained and a.meta["reason"] == reason, (a.text, a.meta)
        assert_grounded(seed_bot, a)


def test_who_is_in_the_photo_is_its_caption_never_its_photographer(seed_bot):
    a = seed_bot.ask("Who is in the photo?", history=[])
    assert a.meta.get("caption") and a.text.startswith("Gazans celebrate"), (a.text, a.meta)
    assert "Masoud" not in a.text and "Wenig" not in a.text, a.text
    assert_grounded(seed_bot, a)
    # the passive asks whom the photo shows too, not who took it
    other = seed_bot.ask("Who was photographed next to the tank?", history=[])
    assert "Masoud" not in other.text, other.text
    assert_grounded(seed_bot, other)


def test_a_verdict_the_shipped_decision_is_unsure_of_is_held_back(seed_bot):
    # "Did he accept them?": the span the reader finds is "baseless", which reads as a yes without the "denied"
    # beside it; the shipped decision puts its verdict (a no since it reads the question's quantity, a yes before)
    # below even odds, so the words answer, quoted and cited
    history = [("Who denied the allegations?", "Amir Saeid Iravani")]
    a = seed_bot.ask("Did he accept them?", history)
    assert a.kind == "span" and a.meta.get("withheld") in {"yes", "no"}, (a.kind, a.text, a.meta)
    assert a.meta["kind_probability"] < seed_bot.settings.verdict_threshold
    assert a.text not in {"Yes", "No"} and "denied" in a.citations[0].text
    assert_grounded(seed_bot, a)


def test_analyze_shows_the_reading_ask_answers_from(seed_bot):
    for question, history in [("who denied the allegations?", []),
                              ("What did he call them?", [("who denied the allegations?", "Amir Saeid Iravani")])]:  # fmt: skip
        reading = seed_bot.analyze(question, history)
        a = seed_bot.ask(question, history)
        assert reading.read.spans and reading.margin is not None
        assert reading.answer_text(0) == a.text


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


@pytest.mark.xfail(
    strict=True,
    reason="known miss of the trained reader: 'the allegations' are Blinken's statement two sentences before "
    "the denial; the reader answers the man who denied them (the old rulebook special-cased denial verbs)",
)
def test_who_made_the_allegations(seed_bot):
    a = seed_bot.ask("Who made the allegations?")
    assert "Blinken" in a.text


def test_follow_up_is_rewritten_and_answered(seed_bot):
    first = seed_bot.ask("Who denied the allegations?")
    follow = seed_bot.ask("What did he call them?", history=[("Who denied the allegations?", first.text)])
    assert follow.rewritten_question is not None
    assert "Iravani" in follow.rewritten_question
    assert "baseless" in follow.text
    assert_grounded(seed_bot, follow)


def test_every_dev_question_keeps_the_citation_invariant(seed_bot, shared_data):
    path = shared_data / "seed_qa_dev.json"
    data = json.loads(path.read_text())
    questions = [q for a in data["data"] for p in a["paragraphs"] for q in p["qas"]]
    answered = 0
    for q in questions:
        a = seed_bot.ask(q["question"], history=[tuple(h) for h in q.get("history", [])])
        assert_grounded(seed_bot, a)
        answered += not a.abstained
        if a.kind == "span" and "margin" in a.meta and not a.meta.keys() & {"statement", "role"}:
            # a span the reader chose never stops inside a name of its sentence (qa_bot.answering.names)
            c = a.citations[0]
            span = (a.answer_start - c.start, a.answer_end - c.start)
            assert whole_name(c.text, *span, seed_bot.answerer.names(c.text)) == span, a.text
    assert answered >= len(questions) // 2
