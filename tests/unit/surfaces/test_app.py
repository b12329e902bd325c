from __future__ import annotations

import pytest

from qa_bot.types import ABSTAIN_TEXT, Answer, Citation, DateMention


def test_format_answer_quotes_citations_inertly():
    from qa_bot.app import format_answer

    c = Citation(
        doc_id="d", title="<b>T</b>", start=10, end=40, text="<script>alert(1)</script> **bold**", score=1
    )
    text = format_answer(Answer(question="q", text="<img src=x>", abstained=False, citations=(c,)))
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text and "\\*\\*bold\\*\\*" in text
    assert "characters 10–40" in text


def test_format_abstention_is_visibly_different():
    from qa_bot.app import format_answer

    related = Citation(doc_id="d", title="T", start=0, end=5, text="Hello", score=0.1)
    text = format_answer(Answer(question="q", text=ABSTAIN_TEXT, abstained=True, related=(related,)))
    assert ABSTAIN_TEXT in text and "Nearest passages" in text and "**" not in text.split("\n")[0]


def test_a_held_back_yes_or_no_says_so_before_the_words():
    from qa_bot.app import format_answer

    c = Citation(
        doc_id="d", title="T", start=0, end=40, text="He denied them, calling them baseless.", score=1
    )
    kw = {"question": "Did he accept them?", "abstained": False, "citations": (c,), "answer_start": 29}
    held = format_answer(
        Answer(text="baseless", kind="span", quote="baseless", meta={"withheld": "yes"}, **kw)
    )
    assert held.index("No clear yes or no") < held.index("**baseless**") and "Yes" not in held
    plain = format_answer(Answer(text="baseless", kind="span", quote="baseless", **kw))
    assert "No clear yes or no" not in plain and "**baseless**" in plain
    assert "first sentence" not in plain and "photo's credit" not in plain
    credit = format_answer(
        Answer(text="baseless", kind="span", quote="baseless", meta={"credit": True}, **kw)
    )
    assert credit.index("photo's credit") < credit.index("**baseless**")
    byline = format_answer(
        Answer(text="baseless", kind="span", quote="baseless", meta={"byline": True}, **kw)
    )
    assert "The article's byline" in byline and "photo" not in byline


def test_what_the_article_is_about_is_shown_once_as_its_cited_first_sentence():
    from qa_bot.app import format_answer

    sentence = "The ferry to Skarv will stop running in March, the council said."
    c = Citation(doc_id="d", title="Ferry", start=12, end=12 + len(sentence), text=sentence, score=1)
    lead = format_answer(Answer(question="What is this article about?", text=sentence, abstained=False,
                                citations=(c,), answer_start=12, quote=sentence, meta={"lead": True}))  # fmt: skip
    assert lead.index("in its first sentence") < lead.index("> The ferry to Skarv")
    assert lead.count("ferry to Skarv") == 1 and "characters 12–" in lead
    march = DateMention(text="in March", start=12 + sentence.index("in March"),
                        end=12 + sentence.index(", the"), date="2025-03-01", precision="month")  # fmt: skip
    dated = format_answer(Answer(question="What is this article about?", text=sentence, abstained=False,
                                 citations=(c,), answer_start=12, answer_end=12 + len(sentence), quote=sentence,
                                 dates=(march,), meta={"lead": True}))  # fmt: skip
    # listed, as the sentence is not annotated (Markdown-escaped brackets)
    assert "*Dates in the passage:* in March \\(Mar 2025\\)" in dated


def test_build_demo_returns_blocks_with_module_level_demo():
    import gradio as gr

    from qa_bot import app

    assert isinstance(app.demo, gr.Blocks)
    built = app.build_demo(lambda: None)
    assert isinstance(built, gr.Blocks)
    apis = {str(f.api_name) for f in built.fns.values()}
    assert {"ask", "ingest"} <= apis  # the named JSON endpoints other sites call
    ids = {getattr(c, "elem_id", None) for c in built.blocks.values()}
    assert {"qa-chat", "qa-question", "qa-article", "qa-scope", "qa-articles", "qa-remove"} <= ids


@pytest.mark.slow
def test_respond_runs_a_conversation(seed_bot):
    from qa_bot.app import respond

    box, chat, pairs = respond(seed_bot, "who denied the allegations?", [], [])
    assert box == ""
    assert chat[0] == {"role": "user", "content": "who denied the allegations?"}
    assert "Iravani" in chat[1]["content"] and "categorically denied" in chat[1]["content"]
    box, chat, pairs = respond(seed_bot, "What did he call them?", chat, pairs)
    assert "baseless" in chat[-1]["content"]
    assert "Understood as" in chat[-1]["content"]
    assert len(pairs) == 2


@pytest.mark.slow
def test_two_questions_in_one_message_are_answered_one_after_the_other(seed_bot):
    from qa_bot.app import respond_stream

    *_, (_, chat, pairs, cites, _) = respond_stream(
        seed_bot, "Who denied the allegations and what did he call them?", [], []
    )
    assert [m["role"] for m in chat] == ["user", "assistant", "assistant"]  # the message once, an answer each
    first, second = chat[1]["content"], chat[2]["content"]
    assert first.startswith("*Asked:* Who denied the allegations?") and "Iravani" in first
    assert second.startswith("*Asked:* What did he call them?") and "baseless" in second
    # each is a turn of the conversation (the second read after the first), each with its own spans
    assert [q for q, _ in pairs] == ["Who denied the allegations?", "What did he call them?"]
    assert set(cites) == {"1", "2"}


@pytest.mark.slow
def test_respond_turns_errors_into_chat_messages(seed_bot):
    from qa_bot.app import respond

    _, chat, pairs = respond(seed_bot, "x" * 3000, [], [])
    assert chat[-1]["role"] == "assistant" and chat[-1]["content"].startswith("⚠️")
    assert "limit" in chat[-1]["content"] and pairs == []
    _, chat, _ = respond(seed_bot, "   ", [], [])
    assert chat == []


@pytest.mark.slow
def test_the_three_turn_conversation_in_the_chat(seed_bot):
    from qa_bot.app import respond, respond_stream

    states = list(respond_stream(seed_bot, "Hello!", [], []))
    _, chat, pairs, *_ = states[-1]
    assert "Hello" in chat[-1]["content"] and pairs == []  # small talk: a reply, no citation, not remembered
    assert "characters" not in chat[-1]["content"]
    for question, expected in [
        ("who denied the allegations?", "Iravani"),
        ("what did he call them?", "baseless"),
        (
            "and who made them?",
            "characters",
        ),  # a cited answer (the reader names the wrong man: unit/answering/test_extractive.py)
    ]:
        _, chat, pairs = respond(seed_bot, question, chat, pairs)
        assert expected in chat[-1]["content"].split("\n")[-1] or expected in chat[-1]["content"]
    assert "Understood as:* Who made the allegations?" in chat[-1]["content"]
    assert [q for q, _ in pairs] == [
        "who denied the allegations?",
        "what did he call them?",
        "and who made them?",
    ]


class _PartsBot:
    """A bot whose chat answers "A<n>" to each question (the fake of ``QABot.chat``)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def chat(self, doc_ids=None, filter=None, history=None):
        from qa_bot.conversation.chat import Chat

        return Chat(self, doc_ids=doc_ids, history=history)

    def stream(self, question, history, doc_ids=None):
        from qa_bot.errors import InvalidInput
        from qa_bot.types import Final

        if not question.strip():
            raise InvalidInput("Please type a question.")
        self.asked.append(question)
        yield Final(Answer(question=question, text=f"A{len(self.asked)}", abstained=False))


def test_api_answers_a_message_of_two_questions_part_by_part():
    from qa_bot.app import api_answer

    bot = _PartsBot()
    out = api_answer(bot, "Who denied the allegations and what did he call them?")
    assert (
        out["text"] == "A1" and out["question"] == "Who denied the allegations?"
    )  # the first answer's fields
    assert [p["question"] for p in out["parts"]] == ["Who denied the allegations?", "What did he call them?"]
    assert [p["text"] for p in out["parts"]] == ["A1", "A2"] and set(out["parts"][1]) == set(out) - {"parts"}
    single = api_answer(bot, "Who is Iravani?")
    assert single["text"] == "A3" and "parts" not in single  # one question: the same fields as ever
    assert api_answer(bot, "   ") == {"error": "Please type a question."}
    assert "history" in api_answer(bot, "Why?", history="not a list")["error"]
