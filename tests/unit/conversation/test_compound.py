"""A message that asks two things at once, parted into its questions."""

from __future__ import annotations

import pytest

from qa_bot.conversation.compound import split_questions


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("When was the attack and how many died?", ["When was the attack?", "How many died?"]),
        (
            "Who denied the allegations? What did he call them?",
            ["Who denied the allegations?", "What did he call them?"],
        ),
        ("who denied it and what did he call them", ["Who denied it?", "What did he call them?"]),
        ("Who is Qaani and what is his role?", ["Who is Qaani?", "What is his role?"]),
        ("Who did he meet and when?", ["Who did he meet?", "When?"]),
        ("Was he there, and did he speak?", ["Was he there?", "Did he speak?"]),
        ("Who was arrested and was Hamas involved?", ["Who was arrested?", "Was Hamas involved?"]),
    ],
)
def test_two_questions_in_one_message_are_parted(text, parts):
    assert split_questions(text) == parts


@pytest.mark.parametrize(
    "text",
    [
        "Who denied the allegations?",
        "Did Iran and Hamas meet?",  # two things, one question
        "What did Blinken and who else say?",  # "What did Blinken" is no question alone
        "Where and when did it happen?",
        "Tell me who the leader is and what he did.",  # a clause, not a question, after "and"
        "Which place hosts racetracks and is a casino?",  # "is a casino" goes on the question before
        "They were from Arizona and where?",  # what comes before "and" is no question
        "What is the article about? Thanks",  # a word of thanks is no question
        "How many soldiers died? in World War I?",
        "Who? Why? When? Where? How?",  # more than MAX_QUESTIONS: read as it is
        "who? " * 20_000,
        "who did it and " * 5_000,  # thousands of "and"s: not parted (nor parted recursively, past any stack)
        "",
    ],
)
def test_one_question_stays_whole(text):
    assert split_questions(text) == [text]
