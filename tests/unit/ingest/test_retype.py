"""An index built before ingest kept named entities: re-ingesting an article (or ``Indexer.retype``) finds them and
keeps them with its chunks in place — text, vectors and the rest of each record unchanged."""

from __future__ import annotations

import pytest

from qa_bot.ingest import make_document, split_sentences
from qa_bot.ingest.indexer import Indexer
from qa_bot.store import Store
from tests.conftest import ruler_pipeline

TEXT = (
    "Cisco will pay $4.5 billion for Acacia, the companies said on Thursday.\n\n"
    "Acacia had tried to end the deal. Cisco sued in Delaware.\n\n"
    "Chuck Robbins runs Cisco."
)
OTHER = "Halden will shut its coal terminal by 2028, Ingrid Solberg said."
PATTERNS = [
    {"label": "ORG", "pattern": "Cisco"},
    {"label": "ORG", "pattern": "Acacia"},
    {"label": "MONEY", "pattern": [{"TEXT": "$"}, {"LIKE_NUM": True}, {"LOWER": "billion"}]},
    {"label": "GPE", "pattern": "Delaware"},
    {"label": "GPE", "pattern": "Halden"},
    {"label": "PERSON", "pattern": [{"LOWER": "chuck"}, {"LOWER": "robbins"}]},
]


@pytest.fixture(scope="module")
def ner_nlp():
    """A model-free pipeline with a rule-based "ner": the entities are known in advance."""
    return ruler_pipeline(PATTERNS)


def indexer(store, embedder, nlp, parsed=None):
    parser = None if parsed is None else (lambda: parsed.append(1) or nlp)
    return Indexer(store, embedder, lambda t: split_sentences(t, nlp), parser=parser, chunk_max_chars=80)


def records(store):
    got = store._chunks.get(include=["embeddings", "documents", "metadatas"])
    return {i: (d, list(map(float, e)), m) for i, d, e, m in zip(got["ids"], got["documents"], got["embeddings"],
                                                                  got["metadatas"], strict=True)}  # fmt: skip


def test_reingesting_an_article_stored_without_entities_finds_and_keeps_them(
    tmp_path, fake_embedder, ner_nlp
):
    doc, other = make_document(TEXT, title="Deal"), make_document(OTHER, title="Coal")
    store = Store(tmp_path / "ix")
    first = indexer(store, fake_embedder, ner_nlp).index([doc, other])  # no parser: stored untyped
    assert first.added_documents == 2 and sorted(store.untyped()) == sorted([doc.doc_id, other.doc_id])
    before = records(store)
    assert all(c.entities is None for c in store.lexical_search("Cisco Acacia", 5) for c in [c[0]])

    parsed: list[int] = []
    again = indexer(Store(tmp_path / "ix"), fake_embedder, ner_nlp, parsed).index([doc])
    assert (again.added_documents, again.skipped_documents, again.retyped_documents) == (0, 1, 1)
    assert "named entities found for 1 article" in again.summary() and parsed == [1]

    reopened = Store(tmp_path / "ix")
    assert reopened.untyped() == [other.doc_id]  # only the re-ingested article
    chunks = reopened.chunks_of(doc.doc_id)
    found = {(c.text[a:b], label) for c in chunks for a, b, label in c.entities}
    assert {
        ("Cisco", "ORG"),
        ("$4.5 billion", "MONEY"),
        ("Delaware", "GPE"),
        ("Chuck Robbins", "PERSON"),
    } <= found
    after = records(reopened)
    assert after.keys() == before.keys()
    for i, (text, vector, meta) in before.items():  # the rest of each record as it was
        assert after[i][0] == text and after[i][1] == pytest.approx(vector)
        assert {
            k: v for k, v in after[i][2].items() if k not in ("typed", "entity_spans", "entity_labels")
        } == meta
    # the BM25 index saved beside Chroma carries the entities too (rebuilt, though the collection's stamp is the same)
    lexical = [c for c, _ in Store(tmp_path / "ix").lexical_search("Cisco Acacia Delaware", 5)]
    assert lexical and all(c.entities == next(d for d in chunks if d.chunk_id == c.chunk_id).entities
                           for c in lexical if c.doc_id == doc.doc_id)  # fmt: skip

    assert indexer(reopened, fake_embedder, ner_nlp, parsed).index([doc]).retyped_documents == 0  # once only
    assert parsed == [1]  # an article already typed loads no parser


def test_retype_finds_the_entities_of_every_article_stored_without_them(tmp_path, fake_embedder, ner_nlp):
    docs = [make_document(TEXT, title="Deal"), make_document(OTHER, title="Coal")]
    store = Store(tmp_path / "ix")
    indexer(store, fake_embedder, ner_nlp).index(docs)
    assert indexer(store, fake_embedder, ner_nlp).retype() == 0  # no parser: nothing to find them with
    seen: list[tuple[int, int]] = []
    assert indexer(store, fake_embedder, ner_nlp, []).retype(progress=lambda d, n: seen.append((d, n))) == 2
    assert store.untyped() == [] and seen == [(1, 2), (2, 2)]
    halden = store.chunks_of(docs[1].doc_id)
    assert [(c.text[a:b], label) for c in halden for a, b, label in c.entities] == [("Halden", "GPE")]
    assert indexer(store, fake_embedder, ner_nlp, []).retype() == 0
