"""What the web page does, as plain functions over a :class:`~qa_bot.bot.QABot` (the page in :mod:`qa_bot.app` wires
them to its buttons and endpoints; tests call them directly): a chat turn as it streams, the ``/ask`` JSON, the
Articles tab's paste / upload / fetch actions with their status lines, the article panel.

Everything that comes from an article or a user is HTML-escaped before it is shown.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from qa_bot.conversation.chat import answers_payload
from qa_bot.conversation.compound import split_questions
from qa_bot.errors import QABotError
from qa_bot.render import Span, answer_spans, asked, format_answer, render_article
from qa_bot.types import Final, Token

if TYPE_CHECKING:
    from qa_bot.bot import QABot

__all__ = [
    "Cites",
    "Pairs",
    "api_answer",
    "article_panel",
    "ingest_files_status",
    "ingest_text_status",
    "ingest_url_status",
    "respond",
    "respond_stream",
    "statement_rows",
    "warn",
]

Pairs = list[tuple[str, str]]
Cites = dict[str, list[Span]]  # chat message index (as text) -> that answer's spans


def article_panel(bot: QABot, spans: list[Span]) -> str:
    """The article panel: the first cited article with every span of it marked (a hint when nothing is cited)."""
    if not spans:
        return (
            "<div class='qa-scroll'><p class='qa-hint'>The cited article appears here, with the cited passages"
            " highlighted.</p></div>"
        )
    doc_id = str(spans[0]["doc_id"])
    try:
        doc = bot.document(doc_id)
    except QABotError as exc:
        return f"<div class='qa-scroll'><p class='qa-hint'>{html.escape(exc.message)}</p></div>"
    mine = [(int(s["start"]), int(s["end"]), str(s["kind"])) for s in spans if s["doc_id"] == doc_id]
    return render_article(doc.title, doc.text, mine, doc.published, doc.published_source)


def statement_rows(bot: QABot, doc_id: str | None) -> tuple[list[list[str]], list[list[Span]]]:
    """The "Who said what" table of one article (who, verb, what) and, per row, the spans to mark in the article:
    the speaker's name and the mention in the statement's sentence ("cite"), the verb and what was said
    ("answer")."""
    if not doc_id:
        return [], []
    try:
        said = bot.statements(doc_id)
    except QABotError:
        return [], []
    rows, marks = [], []
    for s in said:
        who = f"{s.speaker.text} ({s.role.text})" if s.role else s.speaker.text
        rows.append([who, s.verb.text, f"“{s.content.text}”" if s.direct else s.content.text])
        parts = [(s.speaker, "cite"), (s.mention, "cite"), (s.verb, "answer"), (s.content, "answer")]
        marks.append([{"doc_id": doc_id, "start": p.start, "end": p.end, "kind": kind} for p, kind in parts])
    return rows, marks


# -- chat -----------------------------------------------------------------------------------------------
def respond_stream(
    bot: QABot,
    message: str,
    chat: list[dict[str, Any]],
    pairs: Pairs,
    doc_ids: list[str] | None = None,
    cites: Cites | None = None,
) -> Iterator[tuple[str, list, Pairs, Cites, Any]]:
    """One chat turn as it happens: (cleared textbox, chat, Q/A pairs, spans per message, article panel)
    after each streamed piece; the last state carries the formatted answer with its verified citations."""
    chat = list(chat or [])
    pairs = list(pairs or [])
    cites = dict(cites or {})
    if not (message or "").strip():
        yield "", chat, pairs, cites, gr.skip()
        return
    chat.append({"role": "user", "content": message})
    panel: Any = gr.skip()
    # a message that asks two things at once is answered question by question, each its own turn and message
    questions = split_questions(message)
    for n, question in enumerate(questions, 1):
        label = asked(question) if len(questions) > 1 else ""
        chat.append({"role": "assistant", "content": label + "…"})
        streamed = ""
        try:
            for event in bot.stream(question, history=pairs, doc_ids=doc_ids):
                if isinstance(event, Token):
                    streamed += event.text
                    chat[-1] = {"role": "assistant", "content": label + html.escape(streamed) + " …"}
                    yield "", chat, pairs, cites, gr.skip()
                elif isinstance(event, Final):
                    item = event.answer
                    chat[-1] = {"role": "assistant", "content": label + format_answer(item)}
                    if not item.smalltalk:
                        pairs.append((question, "" if item.abstained else item.text))
                        spans = answer_spans(item)
                        cites[str(len(chat) - 1)] = spans
                        panel = article_panel(bot, spans)
        except QABotError as exc:
            chat[-1] = {"role": "assistant", "content": f"⚠️ {html.escape(exc.message)}"}
            break
        if n < len(questions):  # the finished answer shown before the next question is read
            yield "", chat, pairs, cites, panel
    yield "", chat, pairs, cites, panel


def respond(bot: QABot, message: str, chat: list[dict[str, Any]], pairs: Pairs) -> tuple[str, list, Pairs]:
    """One chat turn: returns the cleared textbox, the chat with both messages, and the Q/A pairs so far."""
    final: tuple[str, list, Pairs] = ("", list(chat or []), list(pairs or []))
    for state in respond_stream(bot, message, chat, pairs):
        final = state[:3]
    return final


_API_FIELDS = ("question", "text", "kind", "quote", "abstained", "citations", "related", "confidence", "doc_id",
               "answer_start", "answer_end", "rewritten_question", "smalltalk", "backend", "verified", "latency_ms")  # fmt: skip


def api_answer(bot: QABot, question: str, history: Any = None, doc_id: str | None = None) -> dict[str, Any]:
    """The JSON the ``/ask`` endpoint returns: the answer, its kind (span, yes, no, abstain, ...) and quote, whether
    it abstained, citations with offsets. A message that asks several questions at once is answered question by
    question, as the chat answers it (``Chat.ask_each``): the first answer's fields, and ``parts``, every answer's."""
    try:
        answers = bot.chat([doc_id] if doc_id else None, history=history).ask_each(question)
    except QABotError as exc:
        return {"error": exc.message}
    return answers_payload(answers, _API_FIELDS)


# -- articles -------------------------------------------------------------------------------------------
def warn(exc: QABotError) -> str:
    """An error as the page shows it: one escaped line after a warning sign."""
    return f"⚠️ {html.escape(exc.message)}"


def ingest_text_status(bot: QABot, title: str | None, text: str | None, date: str | None = None) -> str:
    """The Articles tab's "paste" action: the status line shown under it (HTML-escaped)."""
    if not (text or "").strip():
        return "⚠️ Paste the article text first."
    try:
        report = bot.ingest_text(
            text or "", title=(title or "").strip() or None, date=(date or "").strip() or None
        )
    except QABotError as exc:
        return warn(exc)
    return html.escape(report.summary())


def ingest_files_status(
    bot: QABot, paths: Sequence[Path], iterate: Callable[[Sequence[Path]], Iterable[Path]] = lambda ps: ps
) -> str:
    """The "upload" action: one status line per file; a bad file does not stop the others."""
    if not paths:
        return "⚠️ Choose one or more .txt, .md or .html files."
    messages = []
    for path in iterate(paths):
        try:
            messages.append(f"{html.escape(path.name)}: {html.escape(bot.ingest(path).summary())}")
        except QABotError as exc:
            messages.append(f"{html.escape(path.name)}: {warn(exc)}")
    return "<br>".join(messages)


def ingest_url_status(bot: QABot, url: str | None) -> str:
    """The "fetch a URL" action."""
    try:
        report = bot.ingest_url((url or "").strip())
    except QABotError as exc:
        return warn(exc)
    return html.escape(report.summary())
