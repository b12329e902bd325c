"""The ``qa-bot`` command line: ``ingest``, ``ask``, ``chat``, ``documents``, ``serve`` (here) and the developer
commands ``eval``, ``bench``, ``train-reader``, ``fit-answer-kind``, ``calibrate-reader`` (:mod:`qa_bot.dev.cli`).

Every expected failure prints one line ``Error: ...`` to stderr and exits with code 2. Commands use only the
public :class:`qa_bot.QABot` surface; ``rich`` progress bars live here, not in the core.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from qa_bot.config import ON_UNVERIFIED
from qa_bot.console import print_answer
from qa_bot.conversation.chat import answers_payload
from qa_bot.conversation.compound import split_questions
from qa_bot.errors import QABotError
from qa_bot.types import Final, Token

if TYPE_CHECKING:
    from qa_bot.bot import QABot

__all__ = ["cli", "main"]

SPACY_DELAY_S = 8.0  # `qa-bot serve`: when spaCy loads, after the start
INDEX_HELP = "Index directory (default: $QA_BOT_INDEX_DIR or indexes/default)."
CHROMA_HELP = "Use the Chroma server at this URL instead of the embedded index (or $QA_BOT_CHROMA_URL)."


#: The developer commands (:mod:`qa_bot.dev.cli`), imported only when one of them runs.
DEV_COMMANDS = (
    "bench",
    "calibrate-reader",
    "convert-coqa",
    "eval",
    "fit-answer-kind",
    "fit-answer-types",
    "fit-int8",
    "train-polarity",
    "train-reader",
)


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *DEV_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in DEV_COMMANDS and name not in self.commands:
            from qa_bot.dev.cli import COMMANDS

            for command in COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QABotError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            ctx.exit(2)


PRIVATE_HELP = (
    "Also fetch URLs of loopback, private and link-local addresses (an intranet deployment; "
    "also QA_BOT_ALLOW_PRIVATE_URLS=1). Off: such URLs are refused."
)


def _bot(index: str | None, **settings: Any) -> QABot:
    from qa_bot.bot import QABot

    return QABot(index_dir=index, **settings)


@contextmanager
def progress_bar(label: str, show: bool) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a rich bar on stderr (only when ``show``)."""
    if not show:
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
                  console=Console(stderr=True)) as bar:  # fmt: skip
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _llm_options(f: Any) -> Any:
    """--llm and friends (also from QA_BOT_LLM* env vars)."""
    options = [
        click.option("--llm", default=None, help="LLM backend: openai:MODEL or ollama:MODEL (default: none)."),
        click.option("--llm-base-url", default=None, help="Server URL, e.g. http://127.0.0.1:8080/v1."),
        click.option("--llm-timeout", default=None, type=float, help="Seconds before the extractive fallback."),
        click.option("--llm-on-unverified", default=None, type=click.Choice(ON_UNVERIFIED),
                     help="An LLM answer that fails verification: replace it (fallback) or show it marked "
                          "unverified."),
        click.option("--llm-rewrite/--no-llm-rewrite", default=None, help="Let the LLM rewrite follow-ups."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def _filter_options(f: Any) -> Any:
    """--title/--source/--since/--until: which articles to answer from (a Chroma metadata filter)."""
    options = [
        click.option("--title", "f_title", default=None, help="Only the article with this exact title."),
        click.option("--source", "f_source", default=None,
                     help="Only articles from this source (file path, URL, JSONL id) or site (apnews.com)."),
        click.option("--since", "f_since", default=None, help="Only articles published on/after (YYYY[-MM[-DD]])."),
        click.option("--until", "f_until", default=None, help="Only articles published on/before (YYYY[-MM[-DD]])."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def _pop_filter(options: dict[str, Any]) -> dict[str, Any]:
    return {k[2:]: options.pop(k) for k in ("f_title", "f_source", "f_since", "f_until")}


def _require_articles(bot: QABot) -> None:
    if not bot.documents():
        from qa_bot.errors import IndexUnavailable

        raise IndexUnavailable(
            f"The index at {bot.settings.index_dir} has no articles yet: run `qa-bot ingest PATH` first."
        )


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qa-bot")
def cli() -> None:
    """Ask questions about news articles; answers are quoted from them, with citations."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@click.option("--title", default=None, help="Title for a single file (default: its first line or file name).")
@click.option(
    "--date", default=None, help="Publication date (YYYY-MM-DD) of the articles given, over any they carry."
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@click.option("--allow-private-urls", is_flag=True, default=None, help=PRIVATE_HELP)
def ingest(
    paths: tuple[str, ...],
    index: str | None,
    chroma_url: str | None,
    title: str | None,
    date: str | None,
    quiet: bool,
    allow_private_urls: bool | None,
) -> None:
    """Add articles to the index: .txt/.md/.html files, directories of them, .jsonl feeds, or http(s) URLs
    (fetched, main text extracted). Unchanged articles are skipped."""
    bot = _bot(index, chroma_url=chroma_url, allow_private_urls=allow_private_urls)
    with progress_bar("Ingesting", not quiet and sys.stderr.isatty()) as progress:
        report = bot.ingest(*paths, title=title, date=date, progress=progress)
    if not quiet:
        click.echo(report.summary())


@cli.command()
@click.argument("question")
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@_filter_options
@_llm_options
def ask(question: str, index: str | None, as_json: bool, **options: Any) -> None:
    """Answer QUESTION from the indexed articles, with the cited passages and their offsets. A message that asks
    several questions ("Who denied it and what did he call it?") is answered question by question, as the chat
    answers it; --json then gives the first answer and, under "parts", every one."""
    where = _pop_filter(options)
    bot = _bot(index, preload=True, **options)
    _require_articles(bot)
    answers = bot.chat(filter=where).ask_each(question)
    if as_json:
        click.echo(json.dumps(answers_payload(answers), ensure_ascii=False, indent=2))
        return
    for n, answer in enumerate(answers):
        if len(answers) > 1:  # each answer under the question it answers, a blank line between them
            click.echo(f"\n({answer.question})" if n else f"({answer.question})")
        print_answer(answer)


@cli.command()
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@_filter_options
@_llm_options
def chat(index: str | None, **options: Any) -> None:
    """Chat in the terminal: follow-ups understand the conversation so far.

    Type /reset to start over, /quit (or Ctrl-D) to leave."""
    where = _pop_filter(options)
    bot = _bot(index, preload=True, **options)
    _require_articles(bot)
    session = bot.chat(filter=where)
    n = len(session.doc_ids) if session.doc_ids else len(bot.documents())
    click.echo(f"qa-bot: {n} article(s). Ask a question; /reset starts over, /quit leaves.")
    while True:
        try:
            line = click.prompt("you", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo()
            return
        line = line.strip()
        if line in {"/quit", "/exit", "quit", "exit"}:
            return
        if line == "/reset":
            session.reset()
            click.echo("(conversation cleared)")
            continue
        parts = split_questions(line) if line else []  # two questions at once: answered one after the other
        for part in parts:
            click.echo(f"bot> ({part}) " if len(parts) > 1 else "bot> ", nl=False)
            try:
                final = None
                for event in session.stream(part):
                    if isinstance(event, Token):
                        click.echo(event.text, nl=False)
                    elif isinstance(event, Final):
                        final = event.answer
                click.echo()
            except QABotError as exc:
                click.echo(f"\nError: {exc.message}")
                break
            if final is not None and not final.smalltalk:
                if final.meta.get("llm_note"):  # the streamed text was replaced by the extractive answer
                    click.echo(f"-> {final.text}")
                print_answer(final, text=False)


@cli.command()
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def documents(index: str | None, chroma_url: str | None, as_json: bool) -> None:
    """List the indexed articles: id, publication date and where it came from (feed, argument, html, text),
    chunks, title."""
    rows = _bot(index, chroma_url=chroma_url).documents()
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No articles indexed.")
    for r in rows:
        date = f"{r.published} ({r.published_source})" if r.published else ""
        copies = len(r.sources) - 1
        more = f"  (+{copies} syndicated cop{'y' if copies == 1 else 'ies'})" if copies > 0 else ""
        click.echo(f"{r.doc_id}  {date:<22}  {r.n_chunks:>4} chunks  {r.title}{more}")


@cli.command()
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7860, show_default=True, type=int)
@click.option("--root-path", default=None, help="The URL prefix a reverse proxy serves this under, e.g. /qa.")
@click.option("--allow-private-urls", is_flag=True, default=None, help=PRIVATE_HELP)
@click.option(
    "--ingest-token",
    default=None,
    help="Visitors may add or remove articles only with this token "
    "(also QA_BOT_INGEST_TOKEN). Without it, on an address other than loopback they may not.",
)
@click.option(
    "--open-ingest",
    is_flag=True,
    default=None,
    help="Let any visitor add and remove articles, "
    "also when serving on an address other than loopback (also QA_BOT_OPEN_INGEST=1).",
)
@click.option(
    "--ingest",
    "ingest_paths",
    multiple=True,
    type=click.Path(path_type=str),
    help="Add these files, directories or URLs first (unchanged articles are skipped); repeatable. "
    "`make run` passes seeds/.",
)
@_llm_options
def serve(
    index: str | None,
    host: str,
    port: int,
    root_path: str | None,
    ingest_paths: tuple[str, ...],
    **options: Any,
) -> None:
    """Start the web chat on http://HOST:PORT (the Gradio page mounted in FastAPI, served by uvicorn; also
    /gradio.js for embedding with <gradio-app> and /healthz)."""
    import threading

    import uvicorn

    from qa_bot.access import IngestPolicy

    bot = _bot(index, preload=True, **options)  # the networks load while the page's imports run
    if ingest_paths:
        bot.ingest(*ingest_paths)
    from qa_bot.web import create_app

    app = create_app(bot, root_path=root_path, host=host)
    # the index's first read, and the question pipeline built, before the first visitor
    articles, _ = len(bot.documents()), bot.pipeline
    policy = IngestPolicy.for_server(host, bot.settings.ingest_token, bot.settings.open_ingest)
    click.echo(
        f"qa-bot: {articles} article(s) in {bot.settings.index_dir}; serving on http://{host}:{port}"
        f" (adding articles: {policy.mode})"
    )
    # spaCy (for follow-ups) loads a few seconds after the start, once a first visitor's first question (which
    # needs no parse) has had the CPU; a follow-up before that loads it itself. Every import above is done by then.
    warm = threading.Timer(SPACY_DELAY_S, bot.warm_up)
    warm.daemon = True
    warm.start()
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.command()
@click.option(
    "--doc", "doc_ids", multiple=True, help="Only this article (an id from `qa-bot documents`); repeatable."
)
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (every part with its offsets).")
def statements(doc_ids: tuple[str, ...], index: str | None, chroma_url: str | None, as_json: bool) -> None:
    """Who said what: each statement an article reports (speaker, role, verb, what was said), found at ingest."""
    bot = _bot(index, chroma_url=chroma_url)
    ids = list(doc_ids) or [d.doc_id for d in bot.documents()]
    found = {doc_id: bot.statements(doc_id) for doc_id in ids}
    if as_json:
        click.echo(
            json.dumps(
                {d: [s.to_dict() for s in ss] for d, ss in found.items()}, ensure_ascii=False, indent=1
            )
        )
        return
    for doc_id, said in found.items():
        click.echo(f"{doc_id}: {len(said)} statement(s)")
        for s in said:
            who = f"{s.speaker.text} ({s.role.text})" if s.role else s.speaker.text
            what = f"“{s.content.text}”" if s.direct else s.content.text
            click.echo(f"  {who} · {s.verb.text} · {what}  [{s.content.start}–{s.content.end}]")


@cli.command()
def prepare() -> None:
    """Export the question path's networks (query embedder, reader) for ONNX Runtime into the model cache, once
    per model: then answering loads no PyTorch (`make install` runs this; otherwise the first question does)."""
    from qa_bot.config import Settings
    from qa_bot.pipeline import prepare_networks

    for name, path in prepare_networks(Settings.load()).items():
        click.echo(
            f"{name}: {path}" if path else f"{name}: not exported (answers through PyTorch; see the warning)"
        )


def main() -> None:
    cli(prog_name="qa-bot")


if __name__ == "__main__":
    main()
