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


class _EchoBot:
    """Answers every question "A<n>" and records what it was asked with (the history Chat passes)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []

    def stream(self, question, history, doc_ids=None):
        from qa_bot.types import Answer, Final

        self.calls.append((question, list(history)))
        yield Final(Answer(question=question, text=f"A{len(self.calls)}", abstained=False))


def test_chat_answers_each_question_of_a_message_in_turn():
    from qa_bot.conversation.chat import Chat

    bot = _EchoBot()
    chat = Chat(bot, history=[["Who is Iravani?", "Iran's envoy"]])  # lists, as JSON gives them
    answers = chat.ask_each("Who denied the allegations and what did he call them?")
    assert [a.question for a in answers] == ["Who denied the allegations?", "What did he call them?"]
    assert [a.text for a in answers] == ["A1", "A2"]
    before = [("Who is Iravani?", "Iran's envoy")]
    assert bot.calls == [
        ("Who denied the allegations?", before),
        ("What did he call them?", [*before, ("Who denied the allegations?", "A1")]),  # read after the first
    ]
    assert chat.history[-1] == ("What did he call them?", "A2")
    one = chat.ask_each("Why?")  # one question: one answer, as ask gives it
    assert [a.text for a in one] == ["A3"] and bot.calls[-1][0] == "Why?"


@pytest.mark.parametrize("history", ["not a list", [("only one",)], [(1, 2)], {"q": "a"}])
def test_chat_refuses_a_malformed_history_before_asking(history):
    from qa_bot.conversation.chat import Chat
    from qa_bot.errors import InvalidInput

    bot = _EchoBot()
    with pytest.raises(InvalidInput, match="history"):
        Chat(bot, history=history)
    assert bot.calls == []
