from __future__ import annotations

import dataclasses
import functools
import tempfile
from types import SimpleNamespace

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from qa_bot.ingest import chunk_document, make_document, split_sentences
from qa_bot.retrieve import HybridRetriever, HybridSearch, passage_from_document, passage_to_document
from qa_bot.store import Store
from tests.conftest import SEED, FakeEmbedder


@functools.lru_cache(maxsize=1)
def _fake_store() -> Store:
    """A real Chroma index of the seed article with fake embeddings (fast)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = make_document(SEED.read_text("utf-8"), title="Seed")
    store = Store(tempfile.mkdtemp(prefix="qa-bot-retriever-"))
    chunks = chunk_document(doc, split_sentences(doc.text, nlp), max_chars=300)
    store.upsert(doc, chunks, FakeEmbedder().embed([c.text for c in chunks]))
    return store


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    """langchain-tests' standard retriever suite."""

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"store": _fake_store(), "embedder": FakeEmbedder(), "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return "who denied the allegations?"


def test_rrf_fuses_both_lists_and_documents_round_trip():
    retriever = HybridRetriever(store=_fake_store(), embedder=FakeEmbedder(), k=3)
    passages = retriever.search.retrieve("Iravani categorically denied the allegations")
    assert len(passages) == 3
    assert "categorically denied" in passages[0].chunk.text
    assert passages[0].score >= passages[1].score >= passages[2].score
    # RRF scores are bounded by appearing first in both lists
    assert passages[0].score <= 2 / (retriever.rrf_k + 1) + 1e-9
    doc = passage_to_document(passages[0])
    assert isinstance(doc, Document) and doc.metadata["doc_id"] == passages[0].chunk.doc_id
    assert passage_from_document(doc) == passages[0]


def test_doc_ids_filter_and_k_validation():
    store = _fake_store()
    retriever = HybridRetriever(store=store, embedder=FakeEmbedder(), k=2)
    assert retriever.invoke("Iran", doc_ids=["no-such-doc"]) == []
    with pytest.raises(ValueError):
        HybridRetriever(store=store, embedder=FakeEmbedder(), k=0)


@pytest.mark.parametrize("option", ["k", "fetch_k", "rrf_k"])
def test_the_plain_search_checks_its_options(option):
    with pytest.raises(ValueError, match=option):
        HybridSearch(_fake_store(), FakeEmbedder(), **{option: 0})
    with pytest.raises(ValueError, match=option):
        HybridSearch(_fake_store(), FakeEmbedder(), **{option: True})


def test_the_langchain_retriever_returns_what_the_plain_search_finds():
    search = HybridSearch(_fake_store(), FakeEmbedder(), k=3, fetch_k=10)
    retriever = HybridRetriever.over(search)
    assert (retriever.k, retriever.fetch_k, retriever.rrf_k) == (3, 10, 60)
    question = "Iravani categorically denied the allegations"
    passages = search.retrieve(question)
    assert [p.chunk.chunk_id for p in passages] == [d.id for d in retriever.invoke(question)]
    assert [passage_from_document(d) for d in retriever.invoke(question)] == passages
    assert [passage_from_document(d) for d in retriever.invoke(question, k=1)] == passages[:1]


@pytest.mark.slow
def test_real_hybrid_retrieval_ranks_the_answer_passage_first(seed_bot):
    docs = seed_bot.retriever.invoke("who denied the allegations?", k=2)
    assert len(docs) == 2
    assert "categorically denied" in docs[0].page_content


BOAT = (
    "Ana Ruiz sailed out of Puerto Blanco on Sunday in her small boat. The Gaviota sank near the reef two days "
    "later, the coast guard said. Fishermen from Montgomery County found Ana Ruiz's boat drifting upside down."
)
WEATHER = (
    "The weather in Oslo stayed cold all week. Snow closed the airport on Friday. Forecasters in Oslo expect "
    "more snow and cold weather next week."
)


def _counting(hybrid, embedded: list[str]):
    """``hybrid`` with its embedder noting every text it embeds in ``embedded``."""
    embed = hybrid.embedder.embed_one
    return dataclasses.replace(
        hybrid, embedder=SimpleNamespace(embed_one=lambda q: embedded.append(q) or embed(q))
    )


def _boat_and_weather(fast_bot, k: int):
    """A bot over the boat and the weather stories in short chunks, reading ``k`` passages, and a conversation
    about the boat."""
    from qa_bot import QABot

    bot = QABot(index_dir=fast_bot.settings.index_dir, embedder=fast_bot.embedder, nlp=fast_bot.nlp, k=k,
                chunk_max_chars=120)  # fmt: skip
    bot.ingest_text(BOAT, title="Boat")
    bot.ingest_text(WEATHER, title="Weather")
    return bot, [("Who found the boat?", "Fishermen from Montgomery County")]


def test_a_follow_up_also_reads_the_passage_of_the_last_answer(fast_bot):
    bot, history = _boat_and_weather(fast_bot, k=1)
    embedded: list[str] = []
    article = bot.hybrid.conversation_article(history)  # a search of its own (two articles in scope)
    before = _counting(bot.hybrid, embedded).previous_passage(history, article=article)
    assert before is not None and "Fishermen from Montgomery County" in before.chunk.text
    assert embedded == [] and 0 < before.score <= 1 / (bot.settings.rrf_k + 1)  # by BM25 alone, an RRF score
    found = bot.retrieve("And the weather in Oslo?", history)
    assert "Oslo" in found.passages[0].chunk.text  # the question's own passage first
    assert found.passages[-1].chunk.chunk_id == before.chunk.chunk_id and len(found.passages) == 2
    assert found.history == tuple(history)
    alone = bot.retrieve("And the weather in Oslo?")  # no conversation: no extra passage
    assert len(alone.passages) == 1 and alone.history == ()
    # an abstained last turn points nowhere; the turn before it still does
    assert bot.hybrid.previous_passage([("Why?", "The article doesn't say.")]) is None
    assert bot.hybrid.previous_passage([*history, ("Why?", "The article doesn't say.")]) == before


def test_the_last_answers_passage_takes_the_last_of_k_places(fast_bot):
    bot, history = _boat_and_weather(fast_bot, k=2)
    before = bot.hybrid.previous_passage(history)
    alone = bot.retrieve("And the weather in Oslo?").passages
    assert len(alone) == 2 and before.chunk.chunk_id not in {p.chunk.chunk_id for p in alone}
    found = bot.retrieve("And the weather in Oslo?", history).passages
    # k passages in all: the search's best, then the last answer's in place of the search's second
    assert [p.chunk.chunk_id for p in found] == [alone[0].chunk.chunk_id, before.chunk.chunk_id]
    # found by the search itself, it is not read twice and takes no place of its own
    plain = bot.retrieve("Who found the boat drifting?").passages
    assert before.chunk.chunk_id in {p.chunk.chunk_id for p in plain}
    asked = bot.retrieve("Who found the boat drifting?", history).passages
    assert {p.chunk.chunk_id for p in asked} == {p.chunk.chunk_id for p in plain} and len(asked) == 2


FIRE = (
    "A fire broke out in a warehouse on Elm Street in Denver on Monday night. Firefighters needed four hours to "
    "put it out. Two days later police arrested the owner, Carl Mertens, on suspicion of arson."
)
RAID = "Police arrested three men in Austin. The men were arrested after a raid. Arrested, all three were charged."


def test_a_follow_up_is_searched_in_the_conversations_article(fast_bot):
    from qa_bot import QABot

    bot = QABot(index_dir=fast_bot.settings.index_dir, embedder=fast_bot.embedder, nlp=fast_bot.nlp, k=1,
                chunk_max_chars=400)  # fmt: skip
    fire = bot.ingest_text(FIRE, title="Fire").doc_ids[0]
    raid = bot.ingest_text(RAID, title="Raid").doc_ids[0]
    history = [("Where did the fire break out?", "in a warehouse on Elm Street"), ("How long?", "four hours")]
    embedded: list[str] = []
    assert _counting(bot.hybrid, embedded).conversation_article(history) == fire
    assert embedded == []  # the turns' own words find it, by BM25: no embedding, no Chroma query
    assert bot.hybrid.conversation_article([*history[:1], ("Why?", "The article doesn't say.")]) == fire
    assert bot.hybrid.conversation_article([("Why?", "The article doesn't say.")]) is None
    assert bot.hybrid.conversation_article(history, doc_ids=[raid]) == raid  # one article in scope: that one
    # alone, "Who was arrested?" matches the raid's words best; in the fire conversation, it is about the fire
    assert bot.retrieve("Who was arrested?").passages[0].chunk.doc_id == raid
    assert bot.retrieve("Who was arrested?", history).passages[0].chunk.doc_id == fire
    # a question naming what the fire article never mentions and the raid article does is a new topic
    assert bot.retrieve("Who was arrested in Austin?", history).passages[0].chunk.doc_id == raid
    # the last answer's passage is looked for in the conversation's article only
    before = bot.hybrid.previous_passage([*history, ("Who was held?", "Carl Mertens")])
    assert before is not None and before.chunk.doc_id == fire
