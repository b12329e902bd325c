"""Developer commands of the ``qa-bot`` CLI: ``eval``, ``bench``, ``train-reader``, ``fit-int8``,
``fit-answer-kind``, ``calibrate-reader``.

They are registered on the group in :mod:`qa_bot.cli` and use only the public surface of the package.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qa_bot.dev.evaluate import SYSTEMS  # plain data; the module imports no heavy library
from qa_bot.dev.fit_cli import COMMANDS as FIT_COMMANDS
from qa_bot.dev.fit_cli import train_data_option
from qa_bot.dev.train import TrainConfig  # a dataclass of defaults; the module imports no heavy library

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


__all__ = ["COMMANDS"]


@click.command("bench")
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

    from qa_bot.dev.bench import run_bench, summary_rows, write_json

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


@click.command("eval")
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
@click.option(
    "--own-history",
    is_flag=True,
    help="Ask a conversation's turns after the answers qa-bot itself gave to the earlier ones (as in a chat), "
    "not the dataset's gold answers.",
)
@click.option(
    "--per-article",
    is_flag=True,
    help="qa-bot answers each question from its own article only (as a user who points it at one article), "
    "not from the whole index.",
)
def eval_(
    dataset_and_systems: tuple[str, ...],
    systems: tuple[str, ...],
    out: str | None,
    report: str | None,
    limit: int | None,
    own_history: bool,
    per_article: bool,
) -> None:
    """Score systems on DATASET (SQuAD v2.0 JSON), article by article, in a fresh temporary index.

    Prints EM/F1 (overall, HasAns, NoAns), abstention precision/recall, supported@1, latency and ingest time.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from qa_bot.dev.eval_report import write_report
    from qa_bot.dev.evaluate import TABLE_COLUMNS, load_dataset, run_eval, table_rows
    from qa_bot.dev.metrics import LOSS_KINDS, TURN_KINDS, YES_NO_OUTCOMES

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
    columns = (TextColumn("{task.description:>14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:

        def progress(items: Any, total: int, label: str) -> Any:
            task = bar.add_task(label, total=total)
            for item in items:
                yield item
                bar.advance(task)

        articles = load_dataset(dataset)  # a bad file fails here, before anything is built
        err.print(f"Indexing {len(articles)} article(s) of {dataset} ...", highlight=False)
        run = run_eval(
            dataset, chosen, limit=limit, progress=progress, own_history=own_history, per_article=per_article
        )
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
    if any(q.history for q in run.questions):  # a conversation set: F1 by the kind of turn
        console.print(_by_kind(run, "by kind of turn: questions, F1, answerable ones abstained (%)", "by_turn", TURN_KINDS,
                               lambda c: f"{c['n']} · {c['f1']:.1f} · {c['abstained_answerable'] or 0:.0f}"))  # fmt: skip
    console.print(_by_kind(run, "where the F1 goes: questions · F1 points lost (they sum to 100 - F1)", "losses",
                           LOSS_KINDS, lambda c: f"{c['n']} · {c['points'] or 0:.1f}"))  # fmt: skip
    if any(run.metrics[name]["yes_no"] for name in run.systems):  # the yes/no turns' misses: kind or polarity
        console.print(_by_kind(run, "yes / no: what the yes/no turns got, and verdicts where the gold is words",
                               "yes_no", YES_NO_OUTCOMES, lambda c: str(c["n"])))  # fmt: skip
    # several articles in one index: how many answers came from another article than the question's
    if len({q.article for q in run.questions}) > 1:
        for name in run.systems:
            m = run.metrics[name]
            click.echo(f"{name}: answers cited from another article than the question's: "
                       f"{m['answered_elsewhere'] or 0:.1f} % (follow-ups {m['followups_answered_elsewhere'] or 0:.1f} %)")  # fmt: skip
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


def _by_kind(run: Any, title: str, metric: str, kinds: Sequence[str], cell: Callable[[dict], str]) -> Any:
    """A rich table of one metric of ``run`` broken down by ``kinds``: a row per system, ``cell`` of each kind's
    numbers ("—" where the run has none of that kind)."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column("system")
    for kind in kinds:
        table.add_column(kind, justify="right")
    for name in run.systems:
        cells = run.metrics[name][metric]
        table.add_row(name, *(cell(cells[k]) if cells.get(k) else "—" for k in kinds))
    return table


def _config_count(flag: str, minimum: int, help: str) -> Callable[[Any], Any]:
    """A whole-number option of ``train-reader`` whose default is the ``TrainConfig`` field of the same name."""
    default = getattr(TrainConfig, flag.lstrip("-").replace("-", "_"))
    return click.option(flag, default=default, show_default=True, type=click.IntRange(minimum), help=help)


@click.command("train-reader")
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
    default="0,0.25,0.5",
    show_default=True,
    help="Stage 2 runs once per rate (share of questions with a swapped name); the weights are averaged.",
)
@click.option("--seed", default=13, show_default=True, type=int)
@click.option("--eval-every", default=250, show_default=True, type=int, help="Steps between curve points.")
@click.option(
    "--eval-questions", default=240, show_default=True, type=int, help="Dev questions per curve point."
)
@_config_count(
    "--conv-passes", 0, "Stage 3: draws of the CoQA conversation turns (with their history), 0 = no stage 3."
)
@_config_count(
    "--conv-rounds", 1, "Stage 3: rounds, each from the last one's weights on a fresh draw of the turns."
)
@click.option(
    "--average-rounds/--last-round",
    "conv_average",
    default=TrainConfig.conv_average,
    show_default=True,
    help="Stage 3: ship the mean of the rounds' end weights, or the last round's.",
)
@_config_count(
    "--conv-squad-windows", 0, "Stage 3: SQuAD windows mixed in, so single questions keep their skill."
)
@click.option("--conv-lr", default=TrainConfig.conv_lr, show_default=True, type=float)
@_config_count("--conv-stories", 0, "Stage 3: only the first N training stories (0 = all).")
@_config_count("--conv-dev-turns", 0, "Held-out CoQA turns per curve point.")
@click.option(
    "--init",
    "init_dir",
    default="",
    help="Go on from this saved reader (the result of stages 1 and 2 and maybe some rounds of stage 3, e.g. the "
    "shipped reader of an earlier commit) instead of training stages 1 and 2.",
)
@click.option(
    "--bf16/--fp32",
    default=TrainConfig.bf16,
    show_default=True,
    help="Train under bf16 autocast (weights stay fp32): about 1.6x faster on CPUs with AMX.",
)
@click.option("--conv-seeds", default="", help="Stage 3 once per seed (e.g. 13,14,15,16), each from the same start on "
              "draws of its own; the weights shipped are their mean. Default: --seed alone.")  # fmt: skip
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default=TrainConfig.device, show_default=True,
              help="Where training runs (auto: cuda where torch sees one); the weights are saved from the CPU.")  # fmt: skip
def train_reader_cmd(out_dir: str | None, **options: Any) -> None:
    """Train the extractive reader (resumable; see qa_bot/answering/model/MODEL_CARD.md)."""
    from qa_bot.answering.model_io import MODEL_DIR
    from qa_bot.dev.train import train_reader

    for name in ("windows", "batch_size", "eval_every"):
        if options[name] <= 0:
            raise click.BadParameter(f"--{name.replace('_', '-')} must be positive")
    for name, cast in (("stage2_swap_rates", float), ("conv_seeds", int)):
        try:
            options[name] = tuple(cast(x) for x in options[name].split(",") if x.strip())
        except ValueError:
            raise click.BadParameter(f"--{name.replace('_', '-')} takes numbers, comma-separated") from None
    if not options["stage2_swap_rates"] or not all(0 <= r <= 1 for r in options["stage2_swap_rates"]):
        raise click.BadParameter("--stage2-swap-rates takes one or more rates between 0 and 1")
    train_reader(TrainConfig(out_dir=out_dir or str(MODEL_DIR), **options), echo=click.echo)


@click.command("convert-coqa")
@train_data_option
@click.option(
    "--out", "out", default="out/coqa_cnn_dev.json", show_default=True, type=click.Path(path_type=Path)
)
@click.option(
    "--switched", is_flag=True, help="Each story's turns after the whole conversation about the one before."
)
def convert_coqa_cmd(data_dir: str, out: Path, switched: bool) -> None:
    """Write the conversation dev split (the CoQA CNN stories held out of training) as a SQuAD v2.0 file with
    histories, for `qa-bot eval`; with --switched, conversations that move from one story to the next."""
    from qa_bot.dev.coqa import write_dev_split

    write_dev_split(Path(data_dir), out, switched=switched)
    layout = json.loads(out.read_text("utf-8"))
    turns = sum(len(p["qas"]) for a in layout["data"] for p in a["paragraphs"])
    click.echo(f"{len(layout['data'])} stories, {turns} turns written to {out}")


COMMANDS = (bench, eval_, train_reader_cmd, convert_coqa_cmd, *FIT_COMMANDS)
