"""Gradio chat over a :class:`~qa_bot.bot.QABot`: ``build_demo(bot)``, and a module-level ``demo``.

``gradio qa_bot/app.py`` or ``qa-bot serve`` start it. The UI is a thin layer over :meth:`QABot.ask`:
:func:`respond` is the whole chat logic and is what the tests call.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from qa_bot.errors import QABotError
from qa_bot.types import Answer

if TYPE_CHECKING:
    from qa_bot.bot import QABot

__all__ = ["EXAMPLES", "build_demo", "demo", "format_answer", "respond"]

EXAMPLES = [
    "Who denied the allegations?",
    "What did he call them?",
    "How many hostages were captured in the attack?",
    "Who conducted the training?",
    "Who won the 2022 World Cup?",
]

Pairs = list[tuple[str, str]]


def _quote(text: str) -> str:
    """Article text as inert, quoted Markdown (HTML escaped, Markdown specials neutralised)."""
    escaped = html.escape(text, quote=False)
    for ch in "\\`*_[]#|~":
        escaped = escaped.replace(ch, "\\" + ch)
    return "\n".join("> " + line for line in escaped.splitlines())


def _cited(c: Any) -> str:
    return f"{_quote(c.text)}\n>\n> — *{html.escape(c.title)}*, characters {c.start}–{c.end}"


def format_answer(answer: Answer) -> str:
    """The chat message for one answer: the short answer, then each cited passage with its offsets."""
    parts: list[str] = []
    if answer.rewritten_question:
        parts.append(f"*Understood as:* {_quote(answer.rewritten_question)[2:]}")
    if answer.abstained:
        parts.append(f"🤷 *{answer.text}*")
        if answer.related:
            parts.append("Nearest passages:")
    else:
        parts.append(f"**{html.escape(answer.text)}**")
    parts.extend(_cited(c) for c in (answer.related if answer.abstained else answer.citations))
    return "\n\n".join(parts)


def respond(bot: QABot, message: str, chat: list[dict[str, Any]], pairs: Pairs) -> tuple[str, list, Pairs]:
    """One chat turn: returns the cleared textbox, the chat with both messages, and the Q/A pairs so far."""
    chat = list(chat or [])
    pairs = list(pairs or [])
    if not (message or "").strip():
        return "", chat, pairs
    chat.append({"role": "user", "content": message})
    try:
        answer = bot.ask(message, history=pairs)
    except QABotError as exc:
        chat.append({"role": "assistant", "content": f"⚠️ {html.escape(exc.message)}"})
        return "", chat, pairs
    chat.append({"role": "assistant", "content": format_answer(answer)})
    pairs.append((message, "" if answer.abstained else answer.text))
    return "", chat, pairs


def build_demo(bot: QABot | Callable[[], QABot] | None = None) -> gr.Blocks:
    """The chat page. ``bot`` may be a :class:`QABot`, a factory, or ``None`` for the default index
    (created and loaded with the seed article on the first question)."""
    holder: dict[str, QABot] = {}

    def get_bot() -> QABot:
        if "bot" not in holder:
            if bot is None:
                from qa_bot.bot import default_bot

                holder["bot"] = default_bot()
            elif callable(bot) and not hasattr(bot, "ask"):
                holder["bot"] = bot()
            else:
                holder["bot"] = bot  # type: ignore[assignment]
        return holder["bot"]

    def on_submit(message: str, chat: list, pairs: Pairs) -> tuple[str, list, Pairs]:
        try:
            current = get_bot()
        except QABotError as exc:
            return "", [*chat, {"role": "assistant", "content": f"⚠️ {html.escape(exc.message)}"}], pairs
        return respond(current, message, chat, pairs)

    with gr.Blocks(title="qa-bot") as demo:
        gr.Markdown(
            "# qa-bot\nAsk about the article. Every answer is quoted from it, with the passage it comes from;"
            " when the article doesn't say, neither does the bot."
        )
        chatbot = gr.Chatbot(label="Conversation", height=460, buttons=["copy"])
        pairs = gr.State([])
        with gr.Row():
            box = gr.Textbox(
                placeholder="Ask a question about the article…", show_label=False, scale=8, max_lines=3
            )
            send = gr.Button("Ask", variant="primary", scale=1)
        gr.Examples(EXAMPLES, inputs=box, label="Examples")
        clear = gr.Button("New conversation", variant="secondary")
        box.submit(on_submit, [box, chatbot, pairs], [box, chatbot, pairs], api_name="chat")
        send.click(on_submit, [box, chatbot, pairs], [box, chatbot, pairs], api_name=False)
        clear.click(lambda: ([], []), None, [chatbot, pairs], api_name=False)
    return demo


demo = build_demo()

if __name__ == "__main__":
    demo.launch()
