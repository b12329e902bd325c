from __future__ import annotations

import pytest

from qa_bot.errors import IndexUnavailable
from qa_bot.ingest import chunk_document, make_document, split_sentences
from qa_bot.store import INDEX_MARKER, Store


@pytest.fixture
def doc_and_chunks(blank_nlp, seed_text):
    doc = make_document(seed_text, title="Seed")
    return doc, chunk_document(doc, split_sentences(doc.text, blank_nlp), max_chars=400)


def test_add_is_idempotent_and_persistent(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix", embedder=fake_embedder)
    assert store.add_document(doc, chunks) == len(chunks)
    assert store.add_document(doc, chunks) == 0
    assert store.count() == len(chunks)
    reopened = Store(tmp_path / "ix", embedder=fake_embedder)
    assert reopened.count() == len(chunks)
    assert reopened.document(doc.doc_id) == doc
    assert reopened.documents()[0]["n_chunks"] == len(chunks)
    assert (tmp_path / "ix" / INDEX_MARKER).is_file()


def test_dense_and_lexical_search_find_the_denial(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix", embedder=fake_embedder)
    store.add_document(doc, chunks)
    lexical = store.lexical_search("categorically denied allegations", 3)
    assert "categorically denied" in lexical[0][0].text
    dense = store.dense_search(fake_embedder.embed_one("categorically denied the allegations baseless"), 3)
    assert "categorically denied" in dense[0][0].text
    assert all(-1.0 <= score <= 1.0 for _, score in dense)
    assert store.lexical_search("zzzz qqqq", 3) == []


def test_delete_document_removes_its_chunks(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix", embedder=fake_embedder)
    store.add_document(doc, chunks)
    other = make_document("A different article about weather. It rained.", title="Weather")
    store.add_document(other, chunk_document(other, [(0, 35), (36, 45)]))
    assert store.delete_document(doc.doc_id) is True
    assert store.count() == 1
    assert [d["doc_id"] for d in store.documents()] == [other.doc_id]
    assert all(c.doc_id == other.doc_id for c, _ in store.lexical_search("rained weather", 5))
    assert store.delete_document(doc.doc_id) is False


def test_interrupted_ingest_leaves_no_orphans(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix", embedder=fake_embedder)
    # simulate a crash between writing chunks and the document record
    store._chunks.upsert(
        ids=[c.chunk_id for c in chunks],
        embeddings=fake_embedder.embed([c.text for c in chunks]).tolist(),
        documents=[c.text for c in chunks],
        metadatas=[{"doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end} for c in chunks],
    )
    assert not store.has_document(doc.doc_id)
    other = make_document("Another story. Short.", title="Other")
    store.add_document(other, chunk_document(other, [(0, 14), (15, 21)]))
    assert store.count() == 1  # the orphans were removed
    assert store.add_document(doc, chunks) == len(chunks)
    assert store.count() == len(chunks) + 1


def test_directory_that_is_not_an_index_is_refused_untouched(tmp_path, fake_embedder):
    (tmp_path / "notes.txt").write_text("my notes")
    with pytest.raises(IndexUnavailable, match="not a qa-bot index"):
        Store(tmp_path, embedder=fake_embedder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_file_path_and_bad_marker_are_refused(tmp_path, fake_embedder):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(IndexUnavailable, match="is a file"):
        Store(f, embedder=fake_embedder)
    d = tmp_path / "ix"
    d.mkdir()
    (d / INDEX_MARKER).write_text("{not json")
    with pytest.raises(IndexUnavailable, match="unreadable"):
        Store(d, embedder=fake_embedder)
