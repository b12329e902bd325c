"""Who an article is about: the question's forms and the person named most, from hand-made mentions, then the path
on the seed with spaCy's (slow)."""

from __future__ import annotations

import re

import pytest

from qa_bot.answering.subject import Mention, asks_who_about, main_person, subject_answer
from qa_bot.types import Document

STORY = (
    "Bill Gates gave a talk on Monday. "
    "Gates said the foundation would double its budget. "
    "Mayor Ana Ruiz welcomed him. "
    "Bill's remarks were applauded, Ruiz said."
)


def mentions(text: str, names: list[str]) -> list[Mention]:
    """Each name's occurrences in ``text`` as mentions (a longer name first: "Gates" of "Bill Gates" is not one
    more), in order, with the sentence a plain split by full stops gives."""
    found: list[Mention] = []
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            if any(f.start <= m.start() < f.end for f in found):
                continue
            start = text.rfind(". ", 0, m.start())
            start = 0 if start < 0 else start + 2
            found.append(Mention(m.start(), m.end(), (start, text.index(".", m.end()) + 1)))
    return sorted(found, key=lambda m: m.start)


@pytest.mark.parametrize(
    "question",
    ["Who is the article about?", "who's this story about", "And who is the story mainly about?",
     "Who was the piece about?", "Who is the main character?", "Who is the central figure in the story?",
     "Who is it about?"],
)  # fmt: skip
def test_questions_asking_who_the_article_is_about(question):
    assert asks_who_about(question)


@pytest.mark.parametrize(
    "question",
    ["Who is Bill Gates?", "Who wrote the article?", "Who is the article's author?", "What is the story about?",
     "Who is the report about Iran's role written by?", "Who was the main suspect?"],
)  # fmt: skip
def test_other_questions_are_not(question):
    assert not asks_who_about(question)


def test_who_is_it_about_opens_a_conversation_only():
    assert asks_who_about("Who is it about?") and not asks_who_about("Who is it about?", follow_up=True)
    assert asks_who_about("Who is the story about?", follow_up=True)  # the article named: any turn


def test_the_person_named_most_by_any_part_of_their_name():
    found = mentions(STORY, ["Bill Gates", "Gates", "Bill", "Ana Ruiz", "Ruiz"])
    best = main_person(STORY, found)
    assert best is not None
    mention, named = best
    assert STORY[mention.start : mention.end] == "Bill Gates"
    assert named == 3  # "Bill Gates", "Gates", "Bill's"; Ana Ruiz twice
    # the earliest of two named equally often
    two = "Ana Ruiz met Tom Berg. Ruiz and Berg spoke."
    first, _ = main_person(two, mentions(two, ["Ana Ruiz", "Tom Berg", "Ruiz", "Berg"]))
    assert two[first.start : first.end] == "Ana Ruiz"


def test_no_one_named_twice_is_no_answer():
    once = "A whale was seen off Cornwall. Skipper Tom Penrose saw it."
    assert main_person(once, mentions(once, ["Tom Penrose"])) is None
    assert main_person(STORY, []) is None


def test_the_answer_is_the_name_at_its_first_mention_cited_by_its_sentence():
    text = "Marisha Pessl's new novel is out. Pessl spent years on it. Pessl said so."
    doc = Document("d1", "Novel", text)
    found = [Mention(0, 15, (0, 33)), *[m for m in mentions(text, ["Pessl"]) if m.start > 15]]
    a = subject_answer("Who is the article about?", doc, *main_person(text, found))
    assert a.text == "Marisha Pessl" and text[a.answer_start : a.answer_end] == a.text  # no possessive
    assert a.citations[0].text == "Marisha Pessl's new novel is out." and a.meta["subject"] == 3


@pytest.mark.slow
def test_the_seed_is_about_the_person_it_names_most(seed_bot):
    a = seed_bot.ask("Who is this article about?")
    assert not a.abstained and a.meta["subject"] >= 2
    text = seed_bot.document(a.doc_id).text
    assert text[a.answer_start : a.answer_end] == a.text
    c = a.citations[0]
    assert text[c.start : c.end] == c.text and c.start <= a.answer_start < a.answer_end <= c.end
    surname = a.text.split()[-1]
    assert len(re.findall(rf"\b{surname}\b", text)) >= a.meta["subject"] - 1  # named that often (full or not)


def test_the_chat_and_the_cli_say_what_kind_of_answer_it_is():
    from qa_bot.render import format_answer

    text = "Ana Ruiz won. Ruiz smiled."
    a = subject_answer(
        "Who is it about?",
        Document("d1", "Race", text),
        *main_person(text, mentions(text, ["Ana Ruiz", "Ruiz"])),
    )
    shown = format_answer(a)
    assert "*The person the article names most:*" in shown and "**Ana Ruiz**" in shown
