"""Publication dates (where they come from) and relative dates resolved against them (issue 15).

Made-up articles with known dates: a JSONL feed with ``date``, an HTML page with a meta date, a text with a
dateline, an explicit ``date=``; sentences that say "on Tuesday", "last week", "yesterday", "in March".
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from qa_bot import InvalidInput, QABot
from qa_bot.answering.extractive import Calibration
from qa_bot.dates import annotate, dateline_date, day_number, find_dates, resolve_date, show_date
from tests.conftest import ScriptedReader, write_jsonl

# Wednesday 25 October 2023
STORY = (
    "The harbour board approved the purchase of a new dredger on Tuesday, chairwoman Mira Holm said. "
    "The deal was first proposed last week by the port's engineers. "
    "The board met again yesterday to sign the contract. "
    "The old dredger broke down in March."
)
EXPECTED = {  # what each expression names, published Wed 2023-10-25
    "Tuesday": ("2023-10-24", "day"),
    "last week": ("2023-10-16", "week"),
    "yesterday": ("2023-10-24", "day"),
    "March": ("2023-03-01", "month"),
}


def _named(text: str, published: str | None) -> dict[str, tuple[str, str]]:
    found = find_dates(text, published)
    for m in found:
        assert text[m.start : m.end] == m.text  # offsets into the text given
    return {m.text: (m.date, m.precision) for m in found}


def test_relative_dates_resolve_against_the_publication_date():
    assert _named(STORY, "2023-10-25") == EXPECTED


def test_without_a_publication_date_only_full_dates_resolve():
    assert _named(STORY, None) == {}
    assert _named("It opened on 5 October 2023, and again in March 2022.", None) == {
        "5 October 2023": ("2023-10-05", "day"),
        "March 2022": ("2022-03-01", "month"),
    }


def test_a_weekday_named_on_that_very_day_is_the_publication_day():
    # Tuesday 24 October 2023: "on Tuesday" is today, "last Tuesday" the week before
    assert _named("They voted on Tuesday. They met last Tuesday.", "2023-10-24") == {
        "Tuesday": ("2023-10-24", "day"),
        "last Tuesday": ("2023-10-17", "day"),
    }


def test_year_boundaries():
    # Tuesday 2 January 2024
    text = "Talks began on Dec. 30 and stalled on Friday. Prices rose in December and all of last year."
    assert _named(text, "2024-01-02") == {
        "Dec. 30": ("2023-12-30", "day"),
        "Friday": ("2023-12-29", "day"),
        "December": ("2023-12-01", "month"),
        "last year": ("2023-01-01", "year"),
    }


def test_future_tense_looks_forward_and_unreadable_expressions_get_no_date():
    assert _named("The dredger will arrive in March.", "2023-10-25") == {"March": ("2024-03-01", "month")}
    assert _named("The vote is expected on Friday.", "2023-10-25") == {"Friday": ("2023-10-27", "day")}
    assert _named("They met this weekend, and may meet again some day.", "2023-10-25") == {}  # never a guess
    assert resolve_date("the other day", "2023-10-25") is None


def test_showing_a_date():
    assert show_date("2023-10-24", "day") == "Tue 24 Oct 2023"
    assert show_date("2023-10-16", "week") == "week of 16 Oct 2023"
    assert show_date("2023-03-01", "month") == "Mar 2023"
    found = find_dates(STORY, "2023-10-25", offset=100)
    assert annotate(STORY[:70], 100, found) == STORY[:70].replace("Tuesday", "Tuesday (Tue 24 Oct 2023)")


def test_a_dateline_is_the_publication_date_a_caption_date_is_not():
    assert dateline_date("Apr 22, 2023\n\nCould this black hole be a new star?") == "2023-04-22"
    assert (
        dateline_date("Ferry news\nBy Jane Doe | Published: 22 April 2023 10:15 BST\nText.") == "2023-04-22"
    )
    caption = (
        "Gazans at the border fence, east of Khan Younis, October 7, 2023. (AP Photo/Yousef Masoud)\n\nText."
    )
    assert dateline_date(caption) == ""
    assert dateline_date("The council met on October 7, 2023 to vote.") == ""


def test_since_and_until_take_relative_expressions_against_today():
    today = dt.date(2026, 11, 30)  # a Monday
    assert day_number("last week", first=True, today=today) == 20261123
    assert day_number("last week", first=False, today=today) == 20261129
    assert (day_number("2024-05", first=True), day_number("2024-05", first=False)) == (20240501, 20240531)
    with pytest.raises(InvalidInput, match="not a date"):
        day_number("whenever", first=True)


# -- through the bot: where the date came from, and answers that carry their dates ---------------------------
@pytest.fixture
def bot(tmp_path, fake_embedder, blank_nlp):
    b = QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp,
              reader=ScriptedReader(["Tuesday", "yesterday"]), calibration=Calibration(0.0, 1.0, "own"))  # fmt: skip
    return b


def test_every_article_gets_its_date_and_where_it_came_from(bot, tmp_path):
    feed = write_jsonl(
        tmp_path / "feed.jsonl", [{"id": "w1", "title": "Feed story", "text": STORY, "date": "2023-10-25"}]
    )
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Page story</title><meta property='article:published_time' content='2023-10-26T08:00:00Z'>"
        "</head><body><article><h1>Page story</h1><p>"
        + STORY.replace("dredger", "tug")
        + "</p></article></body></html>"
    )
    dated = tmp_path / "dated.txt"
    dated.write_text("Dated story\n\nOct 27, 2023\n\n" + STORY.replace("dredger", "crane"))
    bot.ingest(feed, page, dated)
    bot.ingest_text(STORY.replace("dredger", "barge"), title="Given story", date="2023-10-28")
    bot.ingest_text(STORY.replace("dredger", "buoy"), title="Undated story")
    got = {d.title: (d.published, d.published_source) for d in bot.documents()}
    assert got == {
        "Feed story": ("2023-10-25", "feed"),
        "Page story": ("2023-10-26", "html"),
        "Dated story": ("2023-10-27", "text"),
        "Given story": ("2023-10-28", "argument"),
        "Undated story": ("", ""),
    }
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        bot.ingest_text("Another story. It rained.", date="next Tuesday")


def test_an_answer_carries_the_dates_of_its_passage_with_document_offsets(bot):
    bot.ingest_text(STORY, title="Dredger", date="2023-10-25")
    a = bot.ask("When did the board approve the dredger?")
    assert a.text == "Tuesday"
    doc = bot.document(a.doc_id)
    assert [(m.text, m.date, m.precision) for m in a.dates] == [("Tuesday", "2023-10-24", "day")]
    m = a.dates[0]
    assert doc.text[m.start : m.end] == "Tuesday" and (m.start, m.end) == (a.answer_start, a.answer_end)
    assert list(a.to_dict()["dates"]) == [{"text": "Tuesday", "start": m.start, "end": m.end, "date": "2023-10-24",
                                     "precision": "day"}]  # fmt: skip


def test_a_dateline_is_not_read_as_content(bot):
    bot.ingest_text("Dredger deal\n\nOct 25, 2023\n\n" + STORY, title="Dredger")
    (doc,) = bot.documents()
    assert (doc.published, doc.published_source) == ("2023-10-25", "text")
    chunks = bot.store.all_chunks()
    assert chunks and all("Oct 25, 2023" not in c.text for c in chunks)


@pytest.mark.parametrize("question", ["What happened on Oct. 24?", "What happened on Tuesday?"])
def test_a_question_naming_a_date_finds_the_sentences_that_name_that_day(bot, question):
    filler = " ".join(
        f"The harbour handled {i} ships of cargo and grain in the autumn season." for i in range(30)
    )
    bot.ingest_text(filler + " The board met again yesterday to sign the contract. " + filler, title="Port",
                    date="2023-10-25")  # fmt: skip
    found = bot.retrieve(question).passages  # both name Tue 24 Oct, resolved against the article's date
    assert any("yesterday" in p.chunk.text for p in found)  # "yesterday" names that day: no word in common
    plain = bot.store.lexical_search(question, 50)
    assert not any("yesterday" in c.text for c, _ in plain)  # words alone would not find it


def test_cli_ingest_date_documents_and_ask_json(tmp_path, monkeypatch, bot):
    from qa_bot import cli

    monkeypatch.setattr(cli, "_bot", lambda index, **kw: bot)
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    runner = CliRunner()
    out = runner.invoke(cli.cli, ["ingest", str(story), "--date", "2023-10-25"])
    assert out.exit_code == 0, out.output
    listing = runner.invoke(cli.cli, ["documents"])
    assert "2023-10-25 (argument)" in listing.output
    answer = runner.invoke(cli.cli, ["ask", "When did the board approve the dredger?", "--json"])
    assert json.loads(answer.output)["dates"][0]["date"] == "2023-10-24"
    text = runner.invoke(cli.cli, ["ask", "When did the board approve the dredger?"])
    assert text.output.startswith("Tuesday (Tue 24 Oct 2023)")
    bad = runner.invoke(cli.cli, ["ingest", str(story), "--date", "someday"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
