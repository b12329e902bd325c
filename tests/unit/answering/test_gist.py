"""Questions about the whole article, answered with its lead sentence: the question forms and the lead's choice."""

from __future__ import annotations

import pytest

from qa_bot.answering.gist import asks_for_gist, gist_answer, lead_sentence
from qa_bot.text import rule_sentences
from qa_bot.types import Document

ARTICLE = (
    "Jun 3, 2024\n\n"
    "Fishermen haul in their nets at dawn off the coast of Skarv. (Photo: Ola Berg/Agency)\n\n"
    "SKARV, Norway (Nordic Wire) -- The ferry between Skarv and the mainland will stop running in March, the "
    "county council said on Monday. The council blamed rising fuel costs.\n\n"
    "About 300 islanders use the ferry each day."
)


@pytest.mark.parametrize(
    "question",
    [
        "What is this article about?",
        "what's the story about",
        "So, what was that piece all about?",
        "Summarize the article.",
        "Can you summarize it for me?",
        "tl;dr",
        "Give me a quick summary of the story",
        "What is the main point?",
        "What are the key points of this article?",
        "What does the article say?",
    ],
)
def test_questions_about_the_whole_article_are_gist_questions(question):
    assert asks_for_gist(question) and asks_for_gist(question, follow_up=True)


@pytest.mark.parametrize(
    "question",
    [
        "What is the report about Iran's role?",  # names what it asks about
        "Who is the article about?",  # asks who: the reader reads it
        "What did the article say about the ferry?",
        "What happened in Skarv?",
        "Who wrote the story?",
        "Summarize what the council said about fuel.",
    ],
)
def test_questions_that_name_something_are_not(question):
    assert not asks_for_gist(question)


@pytest.mark.parametrize("question", ["What is it about?", "What happened?", "What's this about?"])
def test_an_opening_question_asks_about_the_article_only_when_it_opens_the_conversation(question):
    assert asks_for_gist(question)
    assert not asks_for_gist(question, follow_up=True)  # "The report?" "What is it about?": the report


def test_the_lead_skips_dates_captions_and_the_dateline():
    start, end = lead_sentence(ARTICLE, rule_sentences(ARTICLE))
    assert ARTICLE[start:end] == (
        "The ferry between Skarv and the mainland will stop running in March, the county council said on Monday."
    )


def test_a_first_sentence_is_the_lead_and_brackets_inside_it_are_kept():
    text = "The company (Acme Ltd) -- a maker of tools -- will open a plant in Bergen next year, it said."
    assert lead_sentence(text, rule_sentences(text)) == (0, len(text))


def test_an_article_without_a_full_sentence_has_no_lead():
    text = "Markets\n\nOil up 2%\n\nGold flat"
    assert lead_sentence(text, rule_sentences(text)) is None


def test_the_gist_answer_is_the_lead_quoted_at_its_offsets():
    doc = Document(doc_id="d1", title="Ferry", text=ARTICLE)
    span = lead_sentence(ARTICLE, rule_sentences(ARTICLE))
    a = gist_answer("What is this article about?", doc, span)
    assert not a.abstained and a.kind == "span" and a.meta == {"lead": True}
    assert a.quote == a.text == ARTICLE[a.answer_start : a.answer_end]
    c = a.citations[0]
    assert ARTICLE[c.start : c.end] == c.text and c.start <= a.answer_start < a.answer_end <= c.end
