"""The ``qa-bot`` command line: ``ingest``, ``ask``, ``chat``, ``documents``, ``serve``, ``eval``.

Every expected failure prints one line ``Error: ...`` to stderr and exits with code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from qa_bot.errors import QABotError
from qa_bot.evaluate import SYSTEMS  # plain data; the module imports no heavy library

__all__ = ["cli", "main"]

INDEX_HELP = "Index directory (default: $QA_BOT_INDEX_DIR or indexes/default)."
CHROMA_HELP = "Use the Chroma server at this URL instead of the embedded index (or $QA_BOT_CHROMA_URL)."


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QABotError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            ctx.exit(2)


def _bot(index: str | None, **settings: Any) -> Any:
    from qa_bot.bot import QABot

    return QABot(index_dir=index, **settings)


def _llm_options(f: Any) -> Any:
    """--llm and friends (also from QA_BOT_LLM* env vars)."""
    options = [
        click.option(
            "--llm", default=None, help="LLM backend: openai:MODEL or ollama:MODEL (default: none)."
        ),
        click.option("--llm-base-url", default=None, help="Server URL, e.g. http://127.0.0.1:8080/v1."),
        click.option(
            "--llm-timeout", default=None, type=float, help="Seconds before the extractive fallback."
        ),
        click.option(
            "--llm-on-unverified",
            default=None,
            type=click.Choice(["fallback", "mark"]),
            help="An LLM answer that fails verification: replace it (fallback) or show it marked unverified.",
        ),
        click.option("--llm-rewrite/--no-llm-rewrite", default=None, help="Let the LLM rewrite follow-ups."),
    ]
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


def _require_articles(bot: Any) -> None:
    if not bot.documents():
        from qa_bot.errors import IndexUnavailable

        raise IndexUnavailable(
            f"The index at {bot.settings.index_dir} has no articles yet: run `qa-bot ingest PATH` first."
        )


def _print_answer(answer: Any, *, text: bool = True) -> None:
    if text:
        click.echo(answer.text)
    if answer.rewritten_question:
        click.echo(f"(understood as: {answer.rewritten_question})")
    if answer.meta.get("llm_note"):
        click.echo(f"({answer.meta['llm_note']})")
    if not answer.verified:
        click.echo("(unverified: no passage of the article supports this answer)")
    cites = answer.citations or answer.related
    if cites:
        click.echo("" if answer.citations else "\nNearest passages:")
    for c in cites:
        click.echo(f"  “{c.text}”")
        click.echo(f"    — {c.title} [{c.doc_id}], characters {c.start}–{c.end}")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qa-bot")
def cli() -> None:
    """Ask questions about news articles; answers are quoted from them, with citations."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@click.option("--title", default=None, help="Title for a single file (default: its first line or file name).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def ingest(
    paths: tuple[str, ...], index: str | None, chroma_url: str | None, title: str | None, quiet: bool
) -> None:
    """Add articles to the index: .txt/.md/.html files, directories of them, .jsonl feeds, or http(s) URLs
    (fetched, main text extracted). Unchanged articles are skipped."""
    bot = _bot(index, chroma_url=chroma_url)
    report = bot.ingest(*paths, title=title, show_progress=not quiet and sys.stderr.isatty())
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
    """Answer QUESTION from the indexed articles, with the cited passages and their offsets."""
    where = _pop_filter(options)
    bot = _bot(index, **options)
    _require_articles(bot)
    answer = bot.ask(question, filter=where)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_answer(answer)


@cli.command()
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@_filter_options
@_llm_options
def chat(index: str | None, **options: Any) -> None:
    """Chat in the terminal: follow-ups understand the conversation so far.

    Type /reset to start over, /quit (or Ctrl-D) to leave."""
    where = _pop_filter(options)
    bot = _bot(index, **options)
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
        if not line:
            continue
        click.echo("bot> ", nl=False)
        try:
            final = None
            for item in session.stream(line):
                if isinstance(item, str):
                    click.echo(item, nl=False)
                else:
                    final = item
            click.echo()
        except QABotError as exc:
            click.echo(f"\nError: {exc.message}")
            continue
        if final is not None and not final.smalltalk:
            if final.meta.get("llm_note"):  # the streamed text was replaced by the extractive answer
                click.echo(f"-> {final.text}")
            _print_answer(final, text=False)


@cli.command()
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def documents(index: str | None, chroma_url: str | None, as_json: bool) -> None:
    """List the indexed articles."""
    rows = _bot(index, chroma_url=chroma_url).documents()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No articles indexed.")
    for r in rows:
        date = r.get("published") or "          "
        copies = len(r.get("sources", [])) - 1
        more = f"  (+{copies} syndicated cop{'y' if copies == 1 else 'ies'})" if copies > 0 else ""
        click.echo(f"{r['doc_id']}  {date}  {r.get('n_chunks', 0):>4} chunks  {r.get('title', '')}{more}")


@cli.command()
@click.option("--index", "index", default=None, help=INDEX_HELP)
@click.option("--chroma-url", default=None, help=CHROMA_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7860, show_default=True, type=int)
@click.option("--root-path", default=None, help="The URL prefix a reverse proxy serves this under, e.g. /qa.")
@_llm_options
def serve(index: str | None, host: str, port: int, root_path: str | None, **options: Any) -> None:
    """Start the web chat on http://HOST:PORT (the Gradio page mounted in FastAPI, served by uvicorn; also
    /gradio.js for embedding with <gradio-app> and /healthz)."""
    import uvicorn

    from qa_bot.web import create_app

    bot = _bot(index, **options).warm_up()
    click.echo(
        f"qa-bot: {len(bot.documents())} article(s) in {bot.settings.index_dir}; serving on http://{host}:{port}"
    )
    uvicorn.run(create_app(bot, root_path=root_path), host=host, port=port, log_level="warning")


@cli.command()
@click.option(
    "--sizes", default="1000,10000,100000", show_default=True, help="Index sizes (chunks) to scale to."
)
@click.option("--repeats", default=5, show_default=True, type=int, help="Rounds over the questions.")
@click.option("--corpus", default=None, type=click.Path(path_type=Path, exists=True),
              help="SQuAD-format JSON or a directory of .txt/.md (default: the shared dev sets).")  # fmt: skip
@click.option("--out", "out", default="bench.json", show_default=True, type=click.Path(path_type=Path))
def bench(sizes: str, repeats: int, corpus: Path | None, out: Path) -> None:
    """Latency next to its floor, ingest vs raw encode, scaling to many chunks, cold start, memory."""
    from rich.console import Console
    from rich.table import Table

    from qa_bot.bench import run_bench, summary_rows, write_json

    try:
        wanted = [int(x) for x in sizes.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter("--sizes takes numbers separated by commas") from None
    err = Console(stderr=True)
    results = run_bench(wanted, repeats, corpus, log=lambda s: err.print(f"[dim]bench: {s}…[/dim]"))
    table = Table(title="qa-bot bench")
    for col in ("measurement", "value", "floor (same run)", "ratio"):
        table.add_column(col)
    for row in summary_rows(results):
        table.add_row(*row)
    Console().print(table)
    write_json(results, out)
    click.echo(f"Results written to {out}")


@cli.command("eval")
@click.argument("dataset_and_systems", nargs=-1, required=True, metavar="DATASET")
@click.option(
    "--system",
    "systems",
    multiple=True,
    type=click.Choice(SYSTEMS),
    help="System(s) to score: `--system qa-bot abstain` or `--system qa-bot --system abstain` "
    "(default: all four). The first one's predictions go to --out.",
)
@click.option(
    "--out", "out", default=None, type=click.Path(path_type=str), help="Write predictions JSON here."
)
@click.option(
    "--report",
    "report",
    default=None,
    type=click.Path(path_type=str),
    help="Write metrics.json, every system's predictions and PNG plots into this directory.",
)
@click.option("--limit", default=None, type=int, help="Only the first N questions.")
def eval_(
    dataset_and_systems: tuple[str, ...],
    systems: tuple[str, ...],
    out: str | None,
    report: str | None,
    limit: int | None,
) -> None:
    """Score systems on DATASET (SQuAD v2.0 JSON), article by article, in a fresh temporary index.

    Prints EM/F1 (overall, HasAns, NoAns), abstention precision/recall, supported@1, latency and ingest time.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from qa_bot.evaluate import TABLE_COLUMNS, load_dataset, run_eval, table_rows, write_report

    # `--system a b c`: click takes `a` as the option's value and leaves `b c` as arguments
    extra = [a for a in dataset_and_systems if a in SYSTEMS]
    paths = [a for a in dataset_and_systems if a not in SYSTEMS]
    if len(paths) != 1:
        raise click.UsageError(f"Give exactly one DATASET (got {len(paths)}: {' '.join(paths) or 'none'}).")
    dataset = paths[0]
    if extra and not systems:
        raise click.UsageError(f"{extra[0]!r} looks like a system name: put it after --system.")
    chosen = list(dict.fromkeys([*systems, *extra])) or list(SYSTEMS)
    err = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:>14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:

        def progress(items: Any, total: int, label: str) -> Any:
            task = bar.add_task(label, total=total)
            for item in items:
                yield item
                bar.advance(task)

        articles = load_dataset(dataset)  # a bad file fails here, before anything is built
        err.print(f"Indexing {len(articles)} article(s) of {dataset} ...", highlight=False)
        run = run_eval(dataset, chosen, limit=limit, progress=progress)
    console = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(
        title=f"{dataset}: {len(run.questions)} questions, "
        f"{run.metrics[chosen[0]]['HasAns_total']} answerable, {run.metrics[chosen[0]]['NoAns_total']} not"
    )
    table.add_column("system")
    for header, _ in TABLE_COLUMNS:
        table.add_column(header, justify="right")
    for row in table_rows(run):
        table.add_row(*row)
    console.print(table)
    if out:
        path = Path(out)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(run.predictions_json(chosen[0]), ensure_ascii=False, indent=1), "utf-8"
            )
        except OSError as exc:
            from qa_bot.errors import InvalidInput

            raise InvalidInput(f"Cannot write predictions to {path}: {exc.strerror}") from None
        click.echo(f"Predictions of {chosen[0]} written to {path}")
    if report:
        files = write_report(run, report)
        click.echo(f"Report written to {report}: " + ", ".join(f.name for f in files))


@cli.command("train-reader")
@click.option(
    "--data",
    "data_dir",
    default="../shared/data/train",
    show_default=True,
    help="Directory with squad_v1.1_train.json.gz and squad_v2.0_dev_for_training.json.gz.",
)
@click.option(
    "--out", "out_dir", default=None, help="Where the weights go (default: the shipped model directory)."
)
@click.option(
    "--work",
    "work_dir",
    default="out/train-reader",
    show_default=True,
    help="Checkpoints and the curve; a run resumes from here.",
)
@click.option(
    "--dev",
    "dev_file",
    default="../shared/data/squad2_dev_2articles.json",
    show_default=True,
    help="Dev set for the printed curve (paragraph given).",
)
@click.option("--windows", default=100_000, show_default=True, type=int, help="Training windows to draw.")
@click.option("--batch-size", default=32, show_default=True, type=int)
@click.option("--lr", default=1e-4, show_default=True, type=float)
@click.option(
    "--stage2-windows",
    default=30_000,
    show_default=True,
    type=int,
    help="A second pass on fresh windows (every unanswerable drawn again), 0 = none.",
)
@click.option("--stage2-lr", default=3e-5, show_default=True, type=float)
@click.option(
    "--stage2-swap-rates",
    default="0,0.25",
    show_default=True,
    help="Stage 2 runs once per rate (share of questions with a swapped name); the weights are averaged.",
)
@click.option("--seed", default=13, show_default=True, type=int)
@click.option("--eval-every", default=250, show_default=True, type=int, help="Steps between curve points.")
@click.option(
    "--eval-questions", default=240, show_default=True, type=int, help="Dev questions per curve point."
)
def train_reader_cmd(out_dir: str | None, **options: Any) -> None:
    """Train the extractive reader (resumable; see qa_bot/reader/model/MODEL_CARD.md)."""
    from qa_bot.reader.model_io import MODEL_DIR
    from qa_bot.reader.train import TrainConfig, train_reader

    for name in ("windows", "batch_size", "eval_every"):
        if options[name] <= 0:
            raise click.BadParameter(f"--{name.replace('_', '-')} must be positive")
    try:
        options["stage2_swap_rates"] = tuple(
            float(x) for x in options["stage2_swap_rates"].split(",") if x.strip()
        )
    except ValueError:
        raise click.BadParameter("--stage2-swap-rates takes numbers separated by commas") from None
    if not options["stage2_swap_rates"] or not all(0 <= r <= 1 for r in options["stage2_swap_rates"]):
        raise click.BadParameter("--stage2-swap-rates takes one or more rates between 0 and 1")
    train_reader(TrainConfig(out_dir=out_dir or str(MODEL_DIR), **options), echo=click.echo)


@cli.command("calibrate-reader")
@click.argument("datasets", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--model", "model_dir", default=None, help="The reader to calibrate (default: the shipped one)."
)
@click.option(
    "--observations", default=None, help="Also write every question's margins and span F1 (JSON) here."
)
def calibrate_reader_cmd(datasets: tuple[str, ...], model_dir: str | None, observations: str | None) -> None:
    """Fit the abstention threshold on DATASETS (default: the three shared dev sets) into calibration.json."""
    from qa_bot.reader.calibrate import calibrate

    chosen = list(datasets) or [
        f"../shared/data/{n}" for n in ("seed_qa_dev.json", "news_dev.json", "squad2_dev_2articles.json")
    ]

    def factory(index: Path) -> Any:
        return _bot(str(index), reader_dir=model_dir)

    calibrate(chosen, model_dir, echo=click.echo, bot_factory=factory, observations_file=observations)


def main() -> None:
    cli(prog_name="qa-bot")


if __name__ == "__main__":
    main()
