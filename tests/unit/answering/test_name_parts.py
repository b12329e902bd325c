"""A part of someone's name (:mod:`qa_bot.answering.name_parts`): the question's form, the part of a name, and the
answer from mentions given by hand (no spaCy); the whole path on the seed article (slow)."""

from __future__ import annotations

import pytest

from qa_bot import ABSTAIN_TEXT
from qa_bot.answering.name_parts import asked_name_part, mentions_name_part, name_part_answer, name_part_span
from qa_bot.types import Citation, Document

TEXT = (
    "Danielle Durham, with the Department of Radiology, led the study. "
    '"It is equal to age 50," said Durham. Dr. Conrad E. Murray Jr. declined to comment.'
)
SENTENCES = (
    "Danielle Durham, with the Department of Radiology, led the study.",
    '"It is equal to age 50," said Durham.',
    "Dr. Conrad E. Murray Jr. declined to comment.",
)
DOC = Document(doc_id="d1", title="Mammograms", text=TEXT, source="test")


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("What is Durham's first name?", ("Durham", "first")),
        ("what's durham's surname?", ("durham", "last")),  # typed in lower case
        ("And Antony Blinken's middle name?", ("Antony Blinken", "middle")),
        ("What is the full name of the researcher Durham?", ("Durham", "full")),
        ("What was Koenig's given name?", ("Koenig", "first")),
        # not asked of a named person: an unresolved pronoun, a thing, or no name part at all
        ("What is her first name?", None),
        ("What is the company's full name?", None),
        ("What is the name of the journal?", None),
        ("Who is Durham?", None),
    ],
)
def test_the_question_form(question, asked):
    assert asked_name_part(question) == asked
    if asked is not None:  # the cheap check the bot makes first lets every such question through
        assert mentions_name_part(question) and mentions_name_part(question.lower())


@pytest.mark.parametrize("question", ["Who is Durham?", "What did she name the study?", "Where was he born?"])
def test_other_questions_do_not_mention_a_name_part(question):
    assert not mentions_name_part(question)


@pytest.mark.parametrize(
    ("question", "last", "asked"),
    [
        ("What is his first name?", "Iravani", ("Iravani", "first")),
        ("And her last name?", "Danielle Durham.", ("Danielle Durham", "last")),
        ("His full name?", "Hagari", ("Hagari", "full")),
        # the last answer is no name alone: a decline, a verdict, a phrase, a clause
        ("What is his first name?", "The article doesn't say.", None),
        ("What is her first name?", "the researcher", None),
        ("What is his first name?", "Iravani, who denied it", None),
        ("What is his first name?", "", None),
        ("What is his first name?", "Yes", None),
        ("What is its full name?", "Cisco", None),  # "its": no person
    ],
)
def test_a_pronoun_left_unresolved_asks_about_the_last_answer(question, last, asked):
    assert asked_name_part(question, last) == asked
    assert mentions_name_part(question)


def at(words: str) -> tuple[int, int]:
    start = TEXT.index(words)
    return start, start + len(words)


@pytest.mark.parametrize(
    ("name", "part", "expected"),
    [
        ("Danielle Durham", "first", "Danielle"),
        ("Danielle Durham", "last", "Durham"),
        ("Danielle Durham", "full", "Danielle Durham"),
        ("Danielle Durham", "middle", None),  # none given
        ("Dr. Conrad E. Murray Jr.", "first", "Conrad"),  # the title and the suffix are no part of it
        ("Dr. Conrad E. Murray Jr.", "middle", "E."),
        ("Dr. Conrad E. Murray Jr.", "last", "Murray"),
        ("Durham", "last", "Durham"),
        ("Durham", "first", None),  # one word: no first name given
    ],
)
def test_the_part_of_a_name(name, part, expected):
    span = name_part_span(TEXT, *at(name), part)
    assert (None if span is None else TEXT[span[0] : span[1]]) == expected


def mention(words: str) -> tuple[Document, int, int, Citation]:
    start, end = at(words)
    sentence = next(s for s in SENTENCES if words in s)
    s = TEXT.index(sentence)
    return DOC, start, end, Citation("d1", DOC.title, s, s + len(sentence), sentence, 1.0)


def test_the_answer_is_the_part_of_the_longest_mention_as_a_cited_span():
    mentions = [mention("Durham"), mention("Danielle Durham"), mention("Dr. Conrad E. Murray Jr.")]
    a = name_part_answer("What is Durham's first name?", "Durham", "first", mentions)
    assert (a.text, a.kind, a.meta["name_part"]) == ("Danielle", "span", "first")
    assert TEXT[a.answer_start : a.answer_end] == a.text == a.quote
    c = a.citations[0]
    assert TEXT[c.start : c.end] == c.text and c.start <= a.answer_start < a.answer_end <= c.end
    # a title before the surname in the question is no part of it: the mention of the surname answers
    assert name_part_answer("q", "Dr. Murray", "last", mentions).text == "Murray"
    # no middle name given, or nobody of that name: declined, the mention shown where there is one
    none = name_part_answer("What is Durham's middle name?", "Durham", "middle", mentions)
    assert none.abstained and none.text == ABSTAIN_TEXT and none.related[0].text.startswith("Danielle Durham")
    assert name_part_answer("q", "Smith", "first", mentions).abstained


@pytest.mark.slow
def test_name_parts_on_the_seed(seed_bot):
    qaani = seed_bot.ask("What is Qaani's first name?")
    assert qaani.text == "Esmail" and qaani.meta["name_part"] == "first"
    doc = seed_bot.document(qaani.doc_id)
    assert doc.text[qaani.answer_start : qaani.answer_end] == "Esmail"
    assert "Esmail Qaani" in qaani.citations[0].text
    # a title spaCy keeps in the name is passed over; a follow-up's rewritten name is read by its surname
    assert seed_bot.ask("what is khamenei's first name?").text == "Ali"
    last = seed_bot.ask(
        "And his last name?", [("Who leads the Quds Force?", "Brigadier General Esmail Qaani")]
    )
    assert last.text == "Qaani"
    assert seed_bot.ask("What is Hagari's middle name?").abstained
    # after an answer of a surname alone (the rewrite finds no person in "Iravani"): that person's first name
    first = seed_bot.ask("What is his first name?", [("Who denied the allegations?", "Iravani")])
    assert first.text == "Amir" and first.meta["name_part"] == "first"
    assert seed_bot.document(first.doc_id).text[first.answer_start : first.answer_end] == "Amir"
    # nobody of that name in the article: not this path's to decline (the reader reads it)
    assert "name_part" not in seed_bot.ask("What is Smith's first name?").meta
