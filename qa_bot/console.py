"""The terminal's rendering of an answer (``qa-bot ask``, ``qa-bot chat``): the answer or its verdict with the
article's words, the notes on what kind of words answer, and the cited passages with their offsets."""

from __future__ import annotations

import click

from qa_bot.types import Answer

__all__ = ["print_answer"]


def print_answer(answer: Answer, *, text: bool = True) -> None:
    """``answer`` as the terminal shows it (``text=False``: all but the answer itself, already streamed)."""
    from qa_bot.dates import annotate, in_answer, mention_label
    from qa_bot.render import SOURCE_NOTES

    if answer.kind in {"yes", "no"}:  # the yes / no, then the article's words that say so
        quote = f"“{annotate(answer.quote, answer.answer_start or 0, in_answer(answer))}”"
        click.echo(f"{answer.text} — {quote}" if text else f"(the article says: {quote})")
    elif text:
        click.echo(annotate(answer.text, answer.answer_start or 0, in_answer(answer)))
    others = [m for m in answer.dates if m not in in_answer(answer)]
    if others:
        click.echo("(dates in the passage: " + "; ".join(mention_label(m) for m in others) + ")")
    notes = {"withheld": "no clear yes or no: the article's words, without a verdict",
             "lead": "the article's first sentence: what it is about", **SOURCE_NOTES}  # fmt: skip
    for key, note in notes.items():  # what kind of words of the article answer
        if answer.meta.get(key):
            click.echo(f"({note})")
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
