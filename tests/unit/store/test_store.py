from __future__ import annotations

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from qa_bot.errors import IndexUnavailable
from qa_bot.ingest import chunk_document, make_document, split_sentences
from qa_bot.store import INDEX_MARKER, Store
from qa_bot.store.chroma import CHUNKS


def put(store, embedder, doc, chunks):
    return store.upsert(doc, chunks, embedder.embed([c.text for c in chunks]))


@pytest.fixture
def doc_and_chunks(blank_nlp, seed_text):
    doc = make_document(seed_text, title="Seed")
    return doc, chunk_document(doc, split_sentences(doc.text, blank_nlp), max_chars=400)


def test_add_is_idempotent_and_persistent(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix")
    assert put(store, fake_embedder, doc, chunks) == len(chunks)
    assert put(store, fake_embedder, doc, chunks) == len(chunks)  # content-hash ids: written over, not added
    assert store.count() == len(chunks)
    reopened = Store(tmp_path / "ix")
    assert reopened.count() == len(chunks)
    assert reopened.document(doc.doc_id) == doc
    assert reopened.documents()[0].n_chunks == len(chunks)
    assert (tmp_path / "ix" / INDEX_MARKER).is_file()


def test_dense_and_lexical_search_find_the_denial(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix")
    put(store, fake_embedder, doc, chunks)
    lexical = store.lexical_search("categorically denied allegations", 3)
    assert "categorically denied" in lexical[0][0].text
    dense = store.dense_search(fake_embedder.embed_one("categorically denied the allegations baseless"), 3)
    assert "categorically denied" in dense[0][0].text
    assert all(-1.0 <= score <= 1.0 for _, score in dense)
    assert store.lexical_search("zzzz qqqq", 3) == []


def test_the_lexical_index_knows_the_articles_words_by_their_stems(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix")
    put(store, fake_embedder, doc, chunks)
    index = store.lexical_index()
    assert index.knows("denied") and index.knows("denies")  # "categorically denied", by the stem
    assert index.knows("iravani")
    assert not index.knows("tesitfy") and not index.knows("the")  # not written there; a stop word is no stem
    # the words as written, saved with the index and read back with it
    assert {"iravani", "categorically", "denied"} <= index.words and "deni" not in index.words
    assert (tmp_path / "ix" / "lexical" / "meta.json").read_text("utf-8").count('"categorically"') == 1
    assert Store(tmp_path / "ix").lexical_index().words == index.words


def test_delete_document_removes_its_chunks(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix")
    put(store, fake_embedder, doc, chunks)
    other = make_document("A different article about weather. It rained.", title="Weather")
    put(store, fake_embedder, other, chunk_document(other, [(0, 35), (36, 45)]))
    assert store.delete(doc.doc_id) is True
    assert store.count() == 1
    assert [d.doc_id for d in store.documents()] == [other.doc_id]
    assert all(c.doc_id == other.doc_id for c, _ in store.lexical_search("rained weather", 5))
    assert store.delete(doc.doc_id) is False


def test_interrupted_ingest_leaves_no_orphans(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix")
    # simulate a crash between writing chunks and the document record: chunks written straight into Chroma
    chroma = chromadb.PersistentClient(
        path=str(tmp_path / "ix"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    chroma.get_collection(CHUNKS).upsert(
        ids=[c.chunk_id for c in chunks],
        embeddings=fake_embedder.embed([c.text for c in chunks]).tolist(),
        documents=[c.text for c in chunks],
        metadatas=[{"doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end} for c in chunks],
    )
    assert not store.has_document(doc.doc_id)
    other = make_document("Another story. Short.", title="Other")
    put(store, fake_embedder, other, chunk_document(other, [(0, 14), (15, 21)]))
    assert store.count() == 1  # the orphans were removed
    assert put(store, fake_embedder, doc, chunks) == len(chunks)
    assert store.count() == len(chunks) + 1


def test_directory_that_is_not_an_index_is_refused_untouched(tmp_path, fake_embedder):
    (tmp_path / "notes.txt").write_text("my notes")
    with pytest.raises(IndexUnavailable, match="not a qa-bot index"):
        Store(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_file_path_and_bad_marker_are_refused(tmp_path, fake_embedder):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(IndexUnavailable, match="is a file"):
        Store(f)
    d = tmp_path / "ix"
    d.mkdir()
    (d / INDEX_MARKER).write_text("{not json")
    with pytest.raises(IndexUnavailable, match="unreadable"):
        Store(d)


def test_upsert_refuses_a_vector_count_that_does_not_match(tmp_path, fake_embedder, doc_and_chunks):
    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix")
    with pytest.raises(ValueError, match="vectors"):
        store.upsert(doc, chunks, fake_embedder.embed([chunks[0].text]))
    assert store.count() == 0 and store.documents() == []


def test_sources_round_trip_and_an_emptied_list_reads_back_empty(tmp_path, fake_embedder, doc_and_chunks):
    from dataclasses import replace

    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix")
    put(store, fake_embedder, replace(doc, source="https://www.example.org/a"), chunks)
    assert store.sources(doc.doc_id) == ["https://www.example.org/a"]
    assert store.documents_from("https://www.example.org/a") == [doc.doc_id]
    store.set_sources(doc.doc_id, ["https://www.example.org/a", "wire-7", "wire-7"])
    assert store.sources(doc.doc_id) == ["https://www.example.org/a", "wire-7"]
    assert store.documents_from("wire-7") == [doc.doc_id]
    store.set_sources(doc.doc_id, [])
    assert store.sources(doc.doc_id) == [] and store.documents()[0].sources == ()


def test_published_reads_the_date_without_the_text(tmp_path, fake_embedder, doc_and_chunks):
    from dataclasses import replace

    doc, chunks = doc_and_chunks
    store = Store(tmp_path / "ix")
    put(store, fake_embedder, replace(doc, published="2023-10-25", published_source="argument"), chunks)
    assert store.published(doc.doc_id) == "2023-10-25"
    assert store.documents()[0].published_source == "argument"
    with pytest.raises(KeyError):
        store.published("no-such-article")


def test_bm25_without_scipy_scores_what_scipy_scores(doc_and_chunks, monkeypatch):
    """The lexical index builds with bm25s's NumPy matrix backend; SciPy's gives the same scores."""
    import bm25s
    import scipy.sparse

    from qa_bot.text import tokenize

    # bm25s may have been imported without SciPy in this process (qa_bot.text.bm25s_module): hand it SciPy
    monkeypatch.setattr(bm25s, "SCIPY_AVAILABLE", True)
    monkeypatch.setattr(bm25s, "sp", scipy.sparse, raising=False)

    _, chunks = doc_and_chunks
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in tokenize(c.text) or ["\x00"]] for c in chunks]
    scores = {}
    for backend in ("scipy", "numpy"):
        model = bm25s.BM25(csc_backend=backend)
        model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
        query = [vocab[t] for t in tokenize("Iravani denied the allegations of Iran") if t in vocab]
        scores[backend] = model.get_scores(query)
    assert scores["numpy"].max() > 0 and (scores["numpy"] == scores["scipy"]).all()


def test_the_question_path_imports_bm25s_without_scipy(tmp_path, fake_embedder, doc_and_chunks):
    import json
    import subprocess
    import sys

    doc, chunks = doc_and_chunks
    Store(tmp_path / "ix").upsert(doc, chunks, fake_embedder.embed([c.text for c in chunks]))
    probe = (
        "import sys, json\n"
        "from qa_bot.store import Store\n"
        "found = Store(sys.argv[1]).lexical_search('Iravani denied the allegations', 3)\n"
        "before = 'scipy' in sys.modules\n"
        "import bm25s, scipy.sparse\n"  # SciPy itself still imports afterwards
        "print(json.dumps([before, bm25s.SCIPY_AVAILABLE, [c.chunk_id for c, _ in found]]))"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "ix")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    before, available, found = json.loads(done.stdout)
    assert before is False and available is False
    assert found == [
        c.chunk_id for c, _ in Store(tmp_path / "ix").lexical_search("Iravani denied the allegations", 3)
    ]
