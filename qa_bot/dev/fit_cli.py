"""The developer commands that fit what ships beside the reader's weights: ``calibrate-reader``,
``fit-answer-kind``, ``fit-answer-types``, ``fit-int8``, and the polarity reader fine-tuned from it,
``train-polarity`` (registered through :mod:`qa_bot.dev.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from qa_bot.bot import QABot

__all__ = ["COMMANDS", "model_option", "out_option", "train_data_option"]

model_option = click.option(
    "--model", "model_dir", default=None, help="The reader (default: the shipped one)."
)


train_data_option = click.option(
    "--data",
    "data_dir",
    default="../shared/data/train",
    show_default=True,
    help="The training data's directory.",
)


def out_option(name: str) -> Any:
    return click.option(
        "--out", "out_dir", default=None, help=f"Write {name} here (default: beside the weights)."
    )


@click.command("calibrate-reader")
@click.argument("datasets", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=str))
@model_option
@click.option(
    "--observations", default=None, help="Also write each question's margins and span F1 (JSON) here."
)
def calibrate_reader_cmd(datasets: tuple[str, ...], model_dir: str | None, observations: str | None) -> None:
    """Fit the abstention threshold and the spans' length penalty on DATASETS (default: the three shared dev sets
    and the CoQA CNN dev split) into calibration.json."""
    import tempfile

    from qa_bot.dev.calibrate import calibrate
    from qa_bot.dev.coqa import COQA_FILE, write_dev_split

    work = tempfile.TemporaryDirectory(prefix="qa-bot-calibrate-")
    chosen = list(datasets) or [
        f"../shared/data/{n}" for n in ("seed_qa_dev.json", "news_dev.json", "squad2_dev_2articles.json")
    ]
    if not datasets and Path("../shared/data/train", COQA_FILE).exists():  # and the conversation dev split
        chosen.append(
            str(write_dev_split(Path("../shared/data/train"), Path(work.name) / "coqa_cnn_dev.json"))
        )

    def factory(index: Path) -> QABot:
        from qa_bot.bot import QABot

        return QABot(index_dir=str(index), reader_dir=model_dir)

    with work:
        calibrate(chosen, model_dir, echo=click.echo, bot_factory=factory, observations_file=observations)


@click.command("fit-answer-kind")
@train_data_option
@model_option
@click.option("--stories", default=0, type=int, help="Only the first N training stories (a quick check).")
@out_option("answer_kind.json")
def fit_answer_kind_cmd(data_dir: str, model_dir: str | None, stories: int, out_dir: str | None) -> None:
    """Fit the yes / no / span decision on CoQA's training conversations into answer_kind.json."""
    from qa_bot.dev.answer_kind import fit_answer_kind

    fit_answer_kind(data_dir, model_dir, stories=stories, out_dir=out_dir, echo=click.echo)


@click.command("fit-int8")
@train_data_option
@model_option
@click.option("--calibration", default=96, show_default=True, help="Paragraphs to measure the ranges on.")
@click.option("--held-out", default=1000, show_default=True, help="Other paragraphs to choose alpha on.")
@out_option("int8_ranges.json")
def fit_int8_cmd(
    data_dir: str, model_dir: str | None, calibration: int, held_out: int, out_dir: str | None
) -> None:
    """Fit how the int8 reader is smoothed (its activations' ranges and alpha) into int8_ranges.json."""
    from qa_bot.dev.int8 import fit_int8

    fit_int8(
        data_dir, model_dir, calibration=calibration, held_out=held_out, out_dir=out_dir, echo=click.echo
    )


@click.command("fit-answer-types")
@train_data_option
@click.option("--paragraphs", default=0, type=int, help="Only the first N SQuAD paragraphs (a quick check).")
@out_option("answer_types.json")
def fit_answer_types_cmd(data_dir: str, paragraphs: int, out_dir: str | None) -> None:
    """Fit which type of answer a question asks for (SQuAD v1.1 train, spaCy's NER) into answer_types.json."""
    from qa_bot.dev.answer_types import fit_answer_types

    fit_answer_types(data_dir, out_dir, paragraphs=paragraphs, echo=click.echo)


@click.command("train-polarity")
@train_data_option
@click.option("--model", "init_dir", default="", help="The reader it starts from (default: the shipped one).")
@click.option("--out", "out_dir", default="out/polarity", show_default=True)
@click.option("--work-dir", default="out/train-polarity", show_default=True, help="Checkpoints (resumable).")
@click.option("--epochs", default=2, show_default=True, type=int)
@click.option("--copies", default=2, show_default=True, type=int, help="Windows drawn per training turn.")
@click.option("--stories", default=0, type=int, help="Only the first N training stories (a quick check).")
@click.option(
    "--sources", default="", help="Only these training sources, e.g. cnn,wikipedia (default: all three)."
)
@click.option("--judge-turns", default=0, type=int, help="Only the first N turns of each set judged on.")
@click.option("--threads", default=0, type=int, help="CPU threads (0: torch's default).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True,
              help="Where training runs (auto: cuda where torch sees one).")  # fmt: skip
def train_polarity_cmd(data_dir: str, init_dir: str, out_dir: str, work_dir: str, epochs: int, copies: int,
                       stories: int, sources: str, judge_turns: int, threads: int, device: str) -> None:  # fmt: skip
    """Fine-tune the reader to tell "yes" from "no" on CoQA's yes/no turns: the polarity reader."""
    from qa_bot.dev.train_polarity import PolarityConfig, train_polarity

    if epochs < 1 or copies < 1:
        raise click.BadParameter("--epochs and --copies take 1 or more")
    cfg = PolarityConfig(data_dir=data_dir, out_dir=out_dir, work_dir=work_dir, init_dir=init_dir, epochs=epochs,
                         copies=copies, stories=stories, judge_turns=judge_turns,
                         sources=tuple(x.strip() for x in sources.split(",") if x.strip()), threads=threads,
                         device=device)  # fmt: skip
    train_polarity(cfg, echo=click.echo)


COMMANDS = (calibrate_reader_cmd, fit_answer_kind_cmd, fit_answer_types_cmd, fit_int8_cmd, train_polarity_cmd)
