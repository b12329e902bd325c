from __future__ import annotations

import itertools

import pytest

from qa_bot.errors import IngestError
from qa_bot.ingest import chunk_document, clean_text, load_paths, make_document, split_sentences


def test_clean_text_collapses_nbsp_runs_and_keeps_curly_quotes():
    raw = "Members of\u00a0\u00a0Hamas said “specialized  training”\t here.\r\n\r\n\r\n\r\nNext  para."
    assert clean_text(raw) == "Members of Hamas said “specialized training” here.\n\nNext para."


def test_clean_text_splits_headline_glued_to_caption():
    raw = "Iran trained Gaza terrorists before Israel massacreU.S. Secretary of State Antony Blinken speaks."
    cleaned = clean_text(raw)
    assert "massacre\nU.S. Secretary" in cleaned
    # ordinary capitalised words and abbreviations are left alone
    assert clean_text("The U.S. and McDonald agreed.") == "The U.S. and McDonald agreed."


def test_clean_text_adds_missing_space_after_caption_bracket():
    assert (
        clean_text("(AP Photo/Yousef Masoud)Gazans celebrate.")
        == "(AP Photo/Yousef Masoud) Gazans celebrate."
    )


def test_clean_text_drops_invisible_and_control_characters():
    assert clean_text("a\u200bb\x07c\ufeff") == "ab c"


def test_make_document_ids_are_content_hashes():
    a = make_document("Same  text.", title="One")
    b = make_document("Same text.", title="Two")
    c = make_document("Other text.", title="One")
    assert a.doc_id == b.doc_id != c.doc_id
    assert a.text == "Same text."


def test_make_document_rejects_empty_text():
    with pytest.raises(IngestError, match="empty"):
        make_document(" \n\t\u00a0 ")


def test_sentences_and_chunks_point_into_canonical_text(blank_nlp, seed_text):
    doc = make_document(seed_text, title="Seed")
    sentences = split_sentences(doc.text, blank_nlp)
    assert len(sentences) > 15
    for s, e in sentences:
        sent = doc.text[s:e]
        assert sent == sent.strip() and "\n" not in sent
    chunks = chunk_document(doc, sentences, max_chars=400, overlap=1)
    assert len(chunks) > 3
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert c.doc_id == doc.doc_id and c.title == "Seed"
    # a chunk of several sentences shares its last one with the next chunk; together they cover every sentence
    for prev, nxt in itertools.pairwise(chunks):
        n_sentences = sum(1 for s, e in sentences if prev.start <= s and e <= prev.end)
        if n_sentences > 1:
            last = max((s, e) for s, e in sentences if e <= prev.end)
            assert nxt.start == last[0]
        else:
            assert nxt.start >= prev.end
    covered = {(s, e) for s, e in sentences if any(c.start <= s and e <= c.end for c in chunks)}
    assert covered == set(sentences)
    # chunk ids are stable content hashes
    again = chunk_document(doc, sentences, max_chars=400, overlap=1)
    assert [c.chunk_id for c in again] == [c.chunk_id for c in chunks]
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_long_sentence_is_a_chunk_of_its_own(blank_nlp):
    doc = make_document("Short one. " + "word " * 200 + "end. Tail here.")
    chunks = chunk_document(doc, split_sentences(doc.text, blank_nlp), max_chars=100, overlap=0)
    assert any(len(c.text) > 100 for c in chunks)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("latin1.txt", "café au lait".encode("latin-1"), "UTF-8"),
        ("page.pdf", b"%PDF-1.4", "unsupported"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        load_paths([path])


def test_missing_file_and_empty_directory(tmp_path):
    with pytest.raises(IngestError, match="No such file"):
        load_paths([tmp_path / "nope.txt"])
    with pytest.raises(IngestError, match="holds no"):
        load_paths([tmp_path])


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000)
    with pytest.raises(IngestError, match="limit"):
        load_paths([path], max_bytes=1000)


def test_directory_loads_txt_and_md_sorted(tmp_path):
    (tmp_path / "b.md").write_text("# Second title\n\nBody two.")
    (tmp_path / "a.txt").write_text("First\n\nBody one.")
    (tmp_path / "skip.json").write_text("{}")
    docs = load_paths([tmp_path])
    assert [d.title for d in docs] == ["First", "Second title"]
    assert docs[0].source.endswith("a.txt")


def test_title_from_hash_named_file_skips_the_photo_caption(tmp_path):
    path = tmp_path / "000_63f53ac7bfb7b5fd.txt"
    path.write_text(
        "A tank at the fence, October 7. (AP Photo/Someone)\n\nShort headline-like first paragraph."
    )
    (doc,) = load_paths([path])
    assert doc.title == "Short headline-like first paragraph."
    named = tmp_path / "cisco-deal.txt"
    named.write_text("Body text that is a sentence.\nMore.")
    assert load_paths([named])[0].title == "cisco-deal"


def test_sentence_spans_found_at_ingest_travel_with_every_chunk(fast_bot, seed_text):
    """Citing needs no sentence splitter at question time: each chunk carries its sentences from ingest, through the
    store, the BM25 index saved to disk, and the LangChain documents of the retriever."""
    from qa_bot import QABot
    from qa_bot.answering.attribution import Attributor

    report = fast_bot.ingest_text(seed_text, title="Seed")
    text = fast_bot.document(report.doc_ids[0]).text
    sentences = fast_bot.split_sentences(text)
    for chunk in fast_bot.store.all_chunks():
        assert chunk.sentences, chunk.chunk_id
        assert [(chunk.start + a, chunk.start + b) for a, b in chunk.sentences] == [
            s for s in sentences if chunk.start <= s[0] and s[1] <= chunk.end
        ]
    reopened = QABot(index_dir=fast_bot.settings.index_dir, embedder=fast_bot.embedder, nlp=fast_bot.nlp)
    passages = reopened.retrieve("Who categorically denied the allegations?").passages
    assert passages and all(p.chunk.sentences for p in passages)
    assert all(c.sentences for c, _ in reopened.store.lexical_search("denied allegations baseless", 5))

    def no_splitting(text):
        raise AssertionError("split at question time")

    cite = Attributor(no_splitting).cite_span(passages[0].chunk, 0, 5)
    assert text[cite.start : cite.end] == cite.text


def test_entities_are_given_to_the_chunks_that_hold_them_and_kept_in_the_store_records():
    from qa_bot.ingest.chunk import with_entities
    from qa_bot.store.records import chunk_from_record, chunk_metadata
    from qa_bot.types import Chunk

    text = "Cisco will pay $4.5 billion. Acacia agreed on Tuesday."
    doc = make_document(text, title="Deal")
    chunks = chunk_document(doc, [(0, 28), (29, len(text))], max_chars=30, overlap=0)
    found = [(0, 5, "ORG"), (15, 27, "MONEY"), (29, 35, "ORG"), (46, 53, "DATE")]
    typed = with_entities(chunks, found)
    assert [c.entities for c in typed] == [
        ((0, 5, "ORG"), (15, 27, "MONEY")),
        ((0, 6, "ORG"), (17, 24, "DATE")),
    ]
    assert all(c.text[a:b] == text[c.start + a : c.start + b] for c in typed for a, b, _ in c.entities)
    for chunk in (*typed, typed[0].__class__(**{**typed[0].__dict__, "entities": ()}), chunks[0]):
        back = chunk_from_record(chunk.chunk_id, chunk.text, chunk_metadata(chunk))
        assert (
            back == chunk
        )  # None (not looked for), () (none found) and found ones all come back as they were
    assert chunks[0].entities is None and isinstance(chunks[0], Chunk)


@pytest.mark.slow
def test_named_entities_found_at_ingest_travel_with_every_chunk(seed_bot):
    """Typing an answer needs no spaCy at question time: each chunk carries spaCy's entities from ingest, through
    the store, the BM25 index saved to disk, and the LangChain documents of the retriever."""
    from qa_bot import QABot
    from qa_bot.retrieve.retriever import passage_from_document, passage_to_document

    chunks = seed_bot.store.all_chunks()
    assert chunks and all(c.entities is not None for c in chunks)
    people = {c.text[a:b] for c in chunks for a, b, label in c.entities if label == "PERSON"}
    assert "Amir Saeid Iravani" in people
    reopened = QABot(index_dir=seed_bot.settings.index_dir, embedder=seed_bot.embedder, nlp=seed_bot.nlp)
    found = reopened.store.lexical_search("denied allegations baseless", 5)
    assert found and all(
        c.entities == next(d for d in chunks if d.chunk_id == c.chunk_id).entities for c, _ in found
    )
    passage = reopened.retrieve("Who denied the allegations?").passages[0]
    assert passage.chunk.entities and passage_from_document(passage_to_document(passage)) == passage
