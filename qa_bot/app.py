"""Gradio chat over a :class:`~qa_bot.bot.QABot`: ``build_demo(bot)``, and a module-level ``demo``.

``gradio qa_bot/app.py`` or ``qa-bot serve`` start it. The UI is a thin layer over :meth:`QABot.ask`:
:func:`respond` is the whole chat logic and is what the tests call.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from qa_bot.errors import QABotError
from qa_bot.types import Answer

if TYPE_CHECKING:
    from qa_bot.bot import QABot

__all__ = ["EXAMPLES", "build_demo", "demo", "format_answer", "respond", "respond_stream"]

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
    if answer.smalltalk:
        return html.escape(answer.text)
    parts: list[str] = []
    if answer.rewritten_question:
        parts.append(f"*Understood as:* {_quote(answer.rewritten_question)[2:]}")
    if answer.abstained:
        parts.append(f"🤷 *{answer.text}*")
        if answer.related:
            parts.append("Nearest passages:")
    elif not answer.verified:
        parts.append(f"⚠️ *Unverified — no passage of the article supports this:* {html.escape(answer.text)}")
    else:
        parts.append(f"**{html.escape(answer.text)}**")
    if answer.meta.get("llm_note"):
        parts.append(f"*{html.escape(answer.meta['llm_note'])}*")
    parts.extend(_cited(c) for c in (answer.related if answer.abstained else answer.citations))
    return "\n\n".join(parts)


def respond_stream(
    bot: QABot, message: str, chat: list[dict[str, Any]], pairs: Pairs
) -> Iterator[tuple[str, list, Pairs]]:
    """One chat turn as it happens: (cleared textbox, chat, Q/A pairs) after each streamed piece; the last
    state carries the formatted answer with its verified citations."""
    chat = list(chat or [])
    pairs = list(pairs or [])
    if not (message or "").strip():
        yield "", chat, pairs
        return
    chat.append({"role": "user", "content": message})
    chat.append({"role": "assistant", "content": "…"})
    streamed = ""
    try:
        for item in bot.stream(message, history=pairs):
            if isinstance(item, str):
                streamed += item
                chat[-1] = {"role": "assistant", "content": html.escape(streamed) + " …"}
                yield "", chat, pairs
            else:
                chat[-1] = {"role": "assistant", "content": format_answer(item)}
                if not item.smalltalk:
                    pairs.append((message, "" if item.abstained else item.text))
    except QABotError as exc:
        chat[-1] = {"role": "assistant", "content": f"⚠️ {html.escape(exc.message)}"}
    yield "", chat, pairs


def respond(bot: QABot, message: str, chat: list[dict[str, Any]], pairs: Pairs) -> tuple[str, list, Pairs]:
    """One chat turn: returns the cleared textbox, the chat with both messages, and the Q/A pairs so far."""
    final: tuple[str, list, Pairs] = ("", list(chat or []), list(pairs or []))
    for state in respond_stream(bot, message, chat, pairs):
        final = state
    return final


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

    def on_submit(message: str, chat: list, pairs: Pairs) -> Iterator[tuple[str, list, Pairs]]:
        try:
            current = get_bot()
        except QABotError as exc:
            yield "", [*chat, {"role": "assistant", "content": f"⚠️ {html.escape(exc.message)}"}], pairs
            return
        yield from respond_stream(current, message, chat, pairs)

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
