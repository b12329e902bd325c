"""Many articles: JSONL ingest, batches, unchanged articles skipped, changed ones replaced (fakes, no models)."""

from __future__ import annotations

import json

import pytest

from qa_bot.errors import IngestError
from tests.conftest import write_jsonl


def _article(i: int, extra: str = "") -> dict:
    return {"id": f"wire-{i}", "title": f"Story {i}",
            "text": f"Story {i}. The council of town {i} met on Monday. It approved budget number {i}. {extra}"}  # fmt: skip


def test_jsonl_ingest_in_batches_then_skip_then_replace(fast_bot, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", [_article(i) for i in range(70)])  # > one 32-document batch
    report = fast_bot.ingest(feed)
    assert report.added_documents == 70 and report.skipped_documents == 0
    chunks = fast_bot.store.count()
    assert chunks >= 70

    again = fast_bot.ingest(feed)
    assert again.added_documents == 0 and again.skipped_documents == 70
    assert fast_bot.store.count() == chunks

    rows = [_article(i) for i in range(70)]
    rows[5] = _article(5, "A late amendment raised it.")  # the same story, edited
    report = fast_bot.ingest(write_jsonl(feed, rows))
    assert (report.added_documents, report.replaced_documents) == (1, 1)
    docs = fast_bot.documents()
    assert len(docs) == 70 and [d.source for d in docs].count("wire-5") == 1
    (doc5,) = [d for d in docs if d.source == "wire-5"]
    assert "amendment" in fast_bot.document(doc5.doc_id).text
    stored = fast_bot.store.all_chunks()
    assert {c.doc_id for c in stored} == {d.doc_id for d in docs}  # no stale chunks of the old version
    assert len(stored) == len({c.chunk_id for c in stored}) == sum(d.n_chunks for d in docs)


def test_an_edited_file_replaces_its_old_version(fast_bot, tmp_path):
    f = tmp_path / "story.txt"
    f.write_text("Harbour story\n\nThe port bought a dredger.", "utf-8")
    first = fast_bot.ingest(f).doc_ids[0]
    f.write_text("Harbour story\n\nThe port bought two dredgers.", "utf-8")
    report = fast_bot.ingest(f)
    assert report.replaced_documents == 1
    assert [d.doc_id for d in fast_bot.documents()] == [report.doc_ids[0]] != [first]


def test_pasted_articles_do_not_replace_each_other(fast_bot):
    fast_bot.ingest_text("One story about boats.", title="A")
    fast_bot.ingest_text("Another story about trains.", title="B")
    assert len(fast_bot.documents()) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"title": "x"}\n', 'needs a "text"'),
        ("not json\n", "not a JSON object"),
        ("\n\n", "holds no articles"),
    ],
)
def test_bad_jsonl_is_refused_before_anything_is_written(fast_bot, tmp_path, content, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(_article(1)) + "\n" + content, "utf-8") if "no articles" not in message else (
        bad.write_text(content, "utf-8"))  # fmt: skip
    with pytest.raises(IngestError, match=message):
        fast_bot.ingest(bad)
    assert fast_bot.store.count() == 0


def test_lexical_index_is_saved_reused_and_rebuilt_when_stale(fast_bot, tmp_path, fake_embedder):
    from qa_bot.store import LexicalIndex, Store

    fast_bot.ingest(write_jsonl(tmp_path / "feed.jsonl", [_article(i) for i in range(5)]))
    hits = fast_bot.store.lexical_search("council town 3 budget", 3)
    assert hits and hits[0][0].text.startswith("Story 3.")
    saved = fast_bot.store.index_dir / "lexical"
    stamp = fast_bot.store.stamp()
    assert LexicalIndex.load(saved, stamp) is not None  # on disk, for the collection as it is

    reopened = Store(fast_bot.store.index_dir)
    assert [c.chunk_id for c, _ in reopened.lexical_search("council town 3 budget", 3)] == [
        c.chunk_id for c, _ in hits
    ]
    # another process adds an article: this one notices (chunk count) and rebuilds, no stale results
    other = Store(fast_bot.store.index_dir)
    from qa_bot.ingest import chunk_document, make_document

    doc = make_document("Ferry news. The ferry to Skarv island was cancelled.", title="Ferry")
    chunks = chunk_document(doc, [(0, len(doc.text))], max_chars=600, overlap=0)
    other.upsert(doc, chunks, fake_embedder.embed([c.text for c in chunks]))
    assert reopened.lexical_search("ferry Skarv cancelled", 1)[0][0].doc_id == doc.doc_id
    assert LexicalIndex.load(saved, stamp) is None  # the old save no longer matches: it was replaced
    assert LexicalIndex.load(saved, reopened.stamp()) is not None
