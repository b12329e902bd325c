"""Gradio web UI over a :class:`~qa_bot.bot.QABot`: ``build_demo(bot)``, and a module-level ``demo``.

``gradio qa_bot/app.py`` or ``qa-bot serve`` start it; :func:`qa_bot.web.create_app` mounts it in FastAPI.

- **Chat** tab: the conversation on one side (answers stream in; each shows the short answer, the question it was
  understood as and the cited passages), the cited article on the other with the cited spans highlighted and
  scrolled into view. Clicking an answer in the chat shows its spans. A scope selector asks all articles or one.
- **Articles** tab: paste text, upload ``.txt``/``.md``/``.html`` files or fetch a URL; the indexed articles with
  their chunk counts; remove one.
- Named API endpoints returning JSON: ``/ask`` (question, optional history, optional doc_id) and ``/ingest``
  (text + title, or url), for ``gradio_client.Client(url).predict(..., api_name="/ask")``.

Everything that comes from an article or a user is HTML-escaped before it is shown.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from qa_bot.actions import (
    Cites,
    Pairs,
    api_answer,
    article_panel,
    ingest_files_status,
    ingest_text_status,
    ingest_url_status,
    respond,
    respond_stream,
    statement_rows,
    warn,
)
from qa_bot.errors import QABotError
from qa_bot.render import CSS, SCROLL_JS, format_answer, render_article

if TYPE_CHECKING:
    from qa_bot.access import IngestPolicy, RateLimits
    from qa_bot.bot import QABot

__all__ = [
    "EXAMPLES",
    "api_answer",
    "article_panel",
    "build_demo",
    "demo",  # noqa: F822 (built on first access: see __getattr__ at the end)
    "format_answer",
    "render_article",
    "respond",
    "respond_stream",
]

EXAMPLES = [
    "What is this article about?",
    "Who denied the allegations?",
    "What did he call them?",
    "How many hostages were captured in the attack?",
    "Who conducted the training?",
    "Who won the 2022 World Cup?",
]
ALL_ARTICLES = "__all__"
_PROGRESS = gr.Progress()  # Gradio injects a live tracker where a handler declares one


def _table(bot: QABot) -> list[list[str | int]]:
    return [
        [d.title, d.published, d.published_source, d.n_chunks, len(d.sources), d.doc_id]
        for d in bot.documents()
    ]


def _choices(bot: QABot) -> list[tuple[str, str]]:
    return [(f"{d.title[:60]} ({d.doc_id[:8]})", d.doc_id) for d in bot.documents()]


def build_demo(
    bot: QABot | Callable[[], QABot] | None = None,
    *,
    policy: IngestPolicy | None = None,
    limits: RateLimits | None = None,
) -> gr.Blocks:
    """The page. ``bot`` may be a :class:`QABot`, a factory, or ``None`` for the default index
    (created and loaded with the seed article on first use). ``policy``: who may add or remove articles (default:
    anyone — :func:`qa_bot.web.create_app` sets it from where the server listens); ``limits``: per-client rate
    limits (default: none)."""
    from qa_bot.access import IngestPolicy, RateLimits

    holder: dict[str, QABot] = {}
    policy = policy or IngestPolicy()
    limits = limits or RateLimits()

    def client(request: gr.Request | None) -> str:
        return str(getattr(getattr(request, "client", None), "host", None) or "unknown")

    def may_change(token: str | None, request: gr.Request | None) -> None:
        policy.check(token)
        limits.check("ingest", client(request))

    def get_bot() -> QABot:
        if "bot" not in holder:
            if bot is None:
                from qa_bot.default import default_bot

                holder["bot"] = default_bot()
            elif callable(bot) and not hasattr(bot, "ask"):
                holder["bot"] = bot()
            else:
                holder["bot"] = bot  # type: ignore[assignment]
        return holder["bot"]

    def on_submit(
        message: str, chat: list, pairs: Pairs, scope: str | None, cites: Cites, request: gr.Request
    ) -> Iterator[Any]:
        try:
            if (message or "").strip():
                limits.check("ask", client(request))
            current = get_bot()
        except QABotError as exc:
            yield "", [*chat, {"role": "assistant", "content": warn(exc)}], pairs, cites, gr.skip()
            return
        doc_ids = [scope] if scope and scope != ALL_ARTICLES else None
        yield from respond_stream(current, message, chat, pairs, doc_ids, cites)

    def on_select(cites: Cites, evt: gr.SelectData) -> Any:
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        spans = cites.get(str(index))
        return article_panel(get_bot(), spans) if spans else gr.skip()

    def refresh() -> tuple[Any, Any, Any, Any]:
        current = get_bot()
        choices = _choices(current)
        return (
            _table(current),
            gr.update(choices=[("All articles", ALL_ARTICLES), *choices]),
            gr.update(choices=choices, value=None),
            gr.update(choices=choices, value=choices[0][1] if choices else None),
        )

    def on_said_article(doc_id: str | None) -> tuple[Any, Any, str]:
        rows, marks = statement_rows(get_bot(), doc_id)
        first = [{"doc_id": doc_id, "start": 0, "end": 0, "kind": "cite"}] if doc_id else []
        return rows, marks, article_panel(get_bot(), first)

    def on_statement(marks: list, evt: gr.SelectData) -> Any:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        return article_panel(get_bot(), marks[row]) if 0 <= row < len(marks) else gr.skip()

    def add_text(
        title: str, text: str, date: str, token: str, request: gr.Request, progress: gr.Progress = _PROGRESS
    ) -> str:
        try:
            may_change(token, request)
        except QABotError as exc:
            return warn(exc)
        progress(0.2, desc="Indexing…")
        return ingest_text_status(get_bot(), title, text, date)

    def add_files(
        files: list[Any] | None, token: str, request: gr.Request, progress: gr.Progress = _PROGRESS
    ) -> str:
        try:
            may_change(token, request)
        except QABotError as exc:
            return warn(exc)
        paths = [Path(getattr(f, "name", f)) for f in files or []]
        return ingest_files_status(get_bot(), paths, lambda ps: progress.tqdm(ps, desc="Indexing files"))

    def add_url(url: str, token: str, request: gr.Request, progress: gr.Progress = _PROGRESS) -> str:
        try:
            may_change(token, request)
        except QABotError as exc:
            return warn(exc)
        progress(0.1, desc="Fetching…")
        return ingest_url_status(get_bot(), url)

    def remove(doc_id: str | None, token: str, request: gr.Request) -> str:
        if not doc_id:
            return "⚠️ Choose an article to remove."
        try:
            may_change(token, request)
        except QABotError as exc:
            return warn(exc)
        removed = get_bot().remove(doc_id)
        return "Removed." if removed else "⚠️ That article was not in the index."

    def api_ask(
        question: str,
        history: list[list[str]] | None = None,
        doc_id: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict:
        """Answer a question about the indexed articles; returns answer, abstained and citations with offsets."""
        try:
            limits.check("ask", client(request))
        except QABotError as exc:
            return {"error": exc.message}
        return api_answer(get_bot(), question, history, doc_id)

    def api_ingest(
        text: str = "",
        title: str = "",
        url: str = "",
        token: str = "",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict:
        """Index an article given as text (with a title) or as a URL to fetch; ``token``: the operator's ingest
        token, where the server asks for one."""
        try:
            may_change(token, request)
            current = get_bot()
            report = (
                current.ingest_url(url) if url.strip() else current.ingest_text(text, title=title or None)
            )
        except QABotError as exc:
            return {"error": exc.message}
        return report.to_dict()

    with gr.Blocks(title="qa-bot") as page:
        gr.Markdown(
            "# qa-bot\nAsk about the articles. Every answer is quoted from an article, with the passage it comes"
            " from; when the article doesn't say, neither does the bot."
        )
        pairs = gr.State([])
        cites = gr.State({})
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):
                    scope = gr.Dropdown(
                        [("All articles", ALL_ARTICLES)],
                        value=ALL_ARTICLES,
                        label="Ask about",
                        elem_id="qa-scope",
                    )
                    chatbot = gr.Chatbot(
                        label="Conversation", height=440, buttons=["copy"], elem_id="qa-chat",
                        placeholder="Ask a question, or pick an example below.",
                    )  # fmt: skip
                    with gr.Row():
                        box = gr.Textbox(
                            placeholder="Ask a question about the article…", show_label=False, scale=8,
                            max_lines=3, elem_id="qa-question",
                        )  # fmt: skip
                        send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
                    gr.Examples(EXAMPLES, inputs=box, label="Examples")
                    clear = gr.Button("New conversation", variant="secondary", elem_id="qa-clear")
                with gr.Column(scale=2, min_width=300):
                    article = gr.HTML(article_panel(None, []), elem_id="qa-article")  # type: ignore[arg-type]
            with gr.Tab("Who said what", id="statements"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):
                    said_article = gr.Dropdown([], label="Article", elem_id="qa-said-article")
                    said_table = gr.Dataframe(
                        headers=["Who", "Verb", "What was said"], interactive=False, wrap=True,
                        column_widths=["32%", "14%", "54%"],
                        elem_id="qa-statements", label="Statements (pick one to see it in the article)",
                    )  # fmt: skip
                    said_marks = gr.State([])
                with gr.Column(scale=2, min_width=300):
                    said_panel = gr.HTML(article_panel(None, []), elem_id="qa-said-panel")  # type: ignore[arg-type]
            with gr.Tab("Articles", id="articles"):
                gr.Markdown(f"*{policy.describe()}*", elem_id="qa-ingest-policy")
                token = gr.Textbox(
                    label="Ingest token", type="password", visible=policy.mode == "token", elem_id="qa-token"
                )
                with gr.Row(equal_height=False, visible=policy.mode != "closed"):
                    with gr.Column(min_width=300):
                        gr.Markdown("### Paste an article")
                        new_title = gr.Textbox(label="Title", elem_id="qa-new-title")
                        new_date = gr.Textbox(label="Published (YYYY-MM-DD, optional)", elem_id="qa-new-date")
                        new_text = gr.Textbox(label="Text", lines=8, elem_id="qa-new-text")
                        add_btn = gr.Button("Add article", variant="primary", elem_id="qa-add")
                    with gr.Column(min_width=300):
                        gr.Markdown("### Upload files or fetch a page")
                        files = gr.File(
                            file_count="multiple", file_types=[".txt", ".md", ".html", ".htm"], label="Files"
                        )
                        upload_btn = gr.Button("Add files", elem_id="qa-upload")
                        url = gr.Textbox(label="URL", placeholder="https://…", elem_id="qa-url")
                        url_btn = gr.Button("Fetch and add", elem_id="qa-fetch")
                status = gr.HTML(elem_id="qa-status")
                gr.Markdown("### Indexed articles")
                table = gr.Dataframe(
                    headers=["Title", "Published", "Date from", "Chunks", "Sources", "ID"],
                    interactive=False,
                    wrap=True,
                    elem_id="qa-articles",
                )
                with gr.Row(visible=policy.mode != "closed"):
                    to_remove = gr.Dropdown([], label="Remove an article", scale=4)
                    remove_btn = gr.Button("Remove", variant="stop", scale=1, elem_id="qa-remove")

        chat_io = ([box, chatbot, pairs, scope, cites], [box, chatbot, pairs, cites, article])
        for trigger in (box.submit, send.click):
            trigger(on_submit, *chat_io, api_visibility="undocumented").then(
                None, None, None, js=SCROLL_JS, api_visibility="undocumented"
            )
        chatbot.select(on_select, [cites], [article], api_visibility="undocumented").then(
            None, None, None, js=SCROLL_JS, api_visibility="undocumented"
        )
        clear.click(
            lambda: ([], [], {}, article_panel(None, [])),  # type: ignore[arg-type]
            None, [chatbot, pairs, cites, article], api_visibility="undocumented",
        )  # fmt: skip
        said_article.change(on_said_article, [said_article], [said_table, said_marks, said_panel],
                            api_visibility="undocumented")  # fmt: skip
        said_table.select(on_statement, [said_marks], [said_panel], api_visibility="undocumented").then(
            None,
            None,
            None,
            js=SCROLL_JS.replace("#qa-article", "#qa-said-panel"),
            api_visibility="undocumented",
        )
        lists = [table, scope, to_remove, said_article]
        for button, fn, inputs in (
            (add_btn, add_text, [new_title, new_text, new_date, token]),
            (upload_btn, add_files, [files, token]),
            (url_btn, add_url, [url, token]),
            (remove_btn, remove, [to_remove, token]),
        ):
            button.click(fn, inputs, [status], api_visibility="undocumented").then(
                refresh, None, lists, api_visibility="undocumented"
            )
        page.load(refresh, None, lists, api_visibility="undocumented")
        gr.api(api_ask, api_name="ask")
        gr.api(api_ingest, api_name="ingest")
    return page


def launch_kwargs() -> dict[str, Any]:
    """What every launch/mount of the page passes to Gradio (styles)."""
    return {"css": CSS}


def __getattr__(name: str) -> Any:
    """``demo``, the page over the default index (for ``gradio qa_bot/app.py``), built when first asked for: an
    import of this module (``qa-bot serve`` builds its own page) does not build a second one."""
    if name == "demo":
        globals()["demo"] = page = build_demo()
        return page
    raise AttributeError(name)


if __name__ == "__main__":
    build_demo().launch(**launch_kwargs())
