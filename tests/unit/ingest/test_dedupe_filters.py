"""Syndicated copies stored once with all their sources; questions scoped by title/source/date (fakes, no models)."""

from __future__ import annotations

import pytest

from qa_bot.errors import InvalidInput
from tests.conftest import ruler_pipeline, write_jsonl

STORY = (
    "The city council of Lakeside voted on Tuesday to build a new bridge over the Mill River. "
    "The bridge will cost 40 million dollars and open in 2027, the mayor said. "
    "Opponents argued that the money should go to schools instead, but the motion passed seven to two. "
    "Construction is expected to start next spring after a final environmental review."
)


def test_signature_round_trip_and_similarity():
    from qa_bot.ingest.dedupe import decode_signature, encode_signature, signature

    a = signature(STORY)
    assert decode_signature(encode_signature(a)).jaccard(a) == 1.0
    edited = STORY.replace("Tuesday", "Wednesday").replace("(AP)", "")
    assert signature(edited).jaccard(a) > 0.85
    assert signature("A completely different story about a ferry strike in the north.").jaccard(a) < 0.2
    with pytest.raises(ValueError):
        decode_signature(encode_signature(a)[:40])


def test_syndicated_copies_are_stored_once_with_every_source(fast_bot, tmp_path):
    rows = [
        {"url": "https://www.apnews.com/bridge", "title": "Bridge vote", "text": STORY, "date": "2024-05-07"},
        # the same wire story on two other sites, with tiny edits (a dateline, one word)
        {"url": "https://local.example/news/1", "title": "Lakeside bridge", "text": "LAKESIDE (AP) — " + STORY},
        {"url": "https://paper.example/b", "text": STORY.replace("next spring", "in the spring")},
        {"url": "https://other.example/ferry", "title": "Ferry strike",
         "text": "Ferry workers in the north went on strike on Monday over pay. Crossings were cancelled."},
    ]  # fmt: skip
    report = fast_bot.ingest(write_jsonl(tmp_path / "feed.jsonl", rows))
    assert (report.added_documents, report.duplicate_documents) == (2, 2)
    assert "syndicated cop" in report.summary()
    docs = {d.title: d for d in fast_bot.documents()}
    assert set(docs) == {"Bridge vote", "Ferry strike"}
    bridge = docs["Bridge vote"]
    assert bridge.sources == (
        "https://www.apnews.com/bridge", "https://local.example/news/1", "https://paper.example/b",
    )  # fmt: skip
    assert len(set(report.doc_ids[:3])) == 1 == len({bridge.doc_id, report.doc_ids[1]})  # copies -> original
    chunks = fast_bot.store.count()

    again = fast_bot.ingest(tmp_path / "feed.jsonl")  # a re-run: nothing new, nothing duplicated
    assert again.added_documents == 0 and fast_bot.store.count() == chunks
    assert fast_bot.documents()[0].sources == bridge.sources

    # a copy's source now carries another story: it leaves the original's source list
    rows[2]["text"] = "Paper example now reports on a marathon won by a local runner in record time."
    changed = fast_bot.ingest(write_jsonl(tmp_path / "feed.jsonl", rows))
    assert changed.added_documents == 1
    docs = {d.title: d for d in fast_bot.documents()}
    assert "https://paper.example/b" not in docs["Bridge vote"].sources


def test_an_edited_original_replaces_itself_and_keeps_its_copies(fast_bot, tmp_path):
    rows = [
        {"id": "wire-1", "title": "Bridge vote", "text": STORY},
        {"id": "mirror-1", "text": "(AP) " + STORY},
    ]
    fast_bot.ingest(write_jsonl(tmp_path / "feed.jsonl", rows))
    rows[0]["text"] = STORY + " The mayor later thanked the voters."  # a correction at the same source
    report = fast_bot.ingest(write_jsonl(tmp_path / "feed.jsonl", rows))
    assert report.replaced_documents == 1
    (doc,) = fast_bot.documents()
    assert "thanked" in fast_bot.document(doc.doc_id).text
    assert doc.sources == ("wire-1", "mirror-1")


def test_dedupe_can_be_switched_off(tmp_path, fake_embedder, blank_nlp):
    from qa_bot import QABot

    bot = QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp, dedupe_threshold=0)
    bot.ingest_text(STORY, title="A")
    bot.ingest_text("(AP) " + STORY, title="B")
    assert len(bot.documents()) == 2


def test_questions_can_be_scoped_by_title_source_and_date(fast_bot, tmp_path):
    rows = [
        {"url": "https://www.apnews.com/a", "title": "Bridge vote", "text": STORY, "date": "2024-05-07T10:00:00Z"},
        {"url": "https://reuters.com/b", "title": "Ferry strike", "date": "2025-01-15",
         "text": "Ferry workers in the north went on strike on Monday over pay. Crossings were cancelled."},
        {"id": "undated", "title": "Marathon", "text": "A local runner won the city marathon in record time."},
    ]  # fmt: skip
    fast_bot.ingest(write_jsonl(tmp_path / "feed.jsonl", rows))
    ids = {d.title: d.doc_id for d in fast_bot.documents()}
    assert {d.title: d.published for d in fast_bot.documents()} == {
        "Bridge vote": "2024-05-07", "Ferry strike": "2025-01-15", "Marathon": "",
    }  # fmt: skip

    def scoped(**f):
        return sorted(fast_bot.scope(filter=f) or [])

    assert scoped(title="Ferry strike") == [ids["Ferry strike"]]
    assert scoped(source="apnews.com") == [ids["Bridge vote"]]  # a site, www. dropped
    assert scoped(source="undated") == [ids["Marathon"]]
    assert scoped(since="2025") == [ids["Ferry strike"]]
    assert scoped(until="2024-05") == [ids["Bridge vote"]]
    assert scoped(since="2024-05-07", until="2025-01-15") == sorted([ids["Bridge vote"], ids["Ferry strike"]])
    assert fast_bot.scope(filter={}) is None  # no filter: all articles
    with pytest.raises(InvalidInput, match="No article"):
        fast_bot.scope(filter={"source": "nowhere.example"})
    with pytest.raises(InvalidInput, match="not a date"):
        fast_bot.scope(filter={"since": "soonish"})
    with pytest.raises(InvalidInput, match="No article in this index matches since='last week'"):
        fast_bot.scope(filter={"since": "last week"})  # relative to today: these articles are older
    with pytest.raises(InvalidInput, match="fields"):
        fast_bot.scope(filter={"author": "x"})

    # every retrieved passage comes from the articles the filter allows
    passages = fast_bot.hybrid.retrieve(
        "Who went on strike?", doc_ids=fast_bot.scope(filter={"source": "reuters.com"})
    )
    assert passages and {p.chunk.doc_id for p in passages} == {ids["Ferry strike"]}
    passages = fast_bot.hybrid.retrieve(
        "strike bridge marathon", doc_ids=fast_bot.scope(filter={"since": "2024"})
    )
    assert passages and {p.chunk.doc_id for p in passages} <= {ids["Bridge vote"], ids["Ferry strike"]}


def test_cli_filters_and_document_listing(tmp_path, fake_embedder, blank_nlp, monkeypatch):
    from click.testing import CliRunner

    from qa_bot import QABot, cli

    index = tmp_path / "ix"
    rows = [
        {"url": "https://apnews.com/a", "title": "Bridge vote", "text": STORY, "date": "2024-05-07"},
        {"url": "https://mirror.example/a", "text": "(AP) " + STORY},
    ]
    monkeypatch.setattr(
        cli, "_bot", lambda i, **kw: QABot(index_dir=index, embedder=fake_embedder, nlp=blank_nlp, **kw)
    )
    runner = CliRunner()
    out = runner.invoke(cli.cli, ["ingest", str(write_jsonl(tmp_path / "f.jsonl", rows))])
    assert out.exit_code == 0 and "1 syndicated copy" in out.output
    listing = runner.invoke(cli.cli, ["documents"])
    assert "2024-05-07" in listing.output and "(+1 syndicated copy)" in listing.output
    bad = runner.invoke(cli.cli, ["ask", "Who voted?", "--source", "nowhere.example"])
    assert bad.exit_code == 2 and "No article in this index matches source='nowhere.example'" in bad.output
    bad_date = runner.invoke(cli.cli, ["chat", "--since", "whenever"], input="/quit\n")
    assert bad_date.exit_code == 2 and "not a date" in bad_date.output


@pytest.mark.slow
def test_filtered_answers_with_the_real_models(seed_bot):
    (doc,) = seed_bot.documents()
    a = seed_bot.ask("who denied the allegations?", filter={"title": doc.title})
    assert a.text == seed_bot.ask("who denied the allegations?").text and a.citations
    assert {c.doc_id for c in a.citations} == {doc.doc_id}
    with pytest.raises(InvalidInput, match="No article"):
        seed_bot.ask("who denied the allegations?", filter={"since": "1990", "until": "1991"})
    chat = seed_bot.chat(filter={"title": doc.title})
    assert chat.doc_ids == [doc.doc_id]


def test_a_pasted_article_whose_only_copy_source_leaves_lists_no_sources(fast_bot, tmp_path):
    fast_bot.ingest_text(STORY, title="Pasted")  # no source of its own
    fast_bot.ingest(write_jsonl(tmp_path / "f.jsonl", [{"id": "mirror", "text": "(AP) " + STORY}]))
    assert fast_bot.documents()[0].sources == ("mirror",)
    fast_bot.ingest(
        write_jsonl(
            tmp_path / "f.jsonl", [{"id": "mirror", "text": "A story about a marathon won in record time."}]
        )
    )
    pasted = next(d for d in fast_bot.documents() if d.title == "Pasted")
    assert pasted.sources == () and fast_bot.store.sources(pasted.doc_id) == []


def test_an_ingest_with_nothing_new_loads_no_spacy(tmp_path, fake_embedder, blank_nlp):
    """`make run` ingests the seed on every start: when it is there already, spaCy (seconds) is not loaded —
    unless it was stored without its named entities (by an earlier qa-bot): then once, to find them."""
    from qa_bot import QABot

    QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp).ingest_text(STORY, title="A")
    assert QABot(index_dir=tmp_path / "ix", embedder=fake_embedder).store.untyped()  # blank_nlp has no NER
    QABot(
        index_dir=tmp_path / "ix",
        embedder=fake_embedder,
        nlp=ruler_pipeline([{"label": "ORG", "pattern": "Boston"}]),
    ).ingest_text(STORY, title="A")
    again = QABot(index_dir=tmp_path / "ix", embedder=fake_embedder)  # its spaCy would load on first use
    report = again.ingest_text(STORY, title="A")
    assert report.skipped_documents == 1 and report.added_documents == 0 and report.retyped_documents == 0
    assert "nlp" not in vars(again)  # the cached property never ran
