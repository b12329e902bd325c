"""The LCEL chain and the typed stream, fast: a real Chroma index, the hashing embedder, a scripted reader."""

from __future__ import annotations

from dataclasses import replace

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from qa_bot import QABot
from qa_bot.answering.extractive import Calibration
from qa_bot.errors import InvalidInput
from qa_bot.replies import gist_reply
from qa_bot.types import Answer, Final, Retrieval, Token
from tests.conftest import ScriptedReader

ARTICLE = (
    "Halvard Metals will close its Oslo smelter next spring, the company said on Monday.\n\n"
    "Chief executive Lena Ortiz said the plant had lost money for six years. "
    "About 400 workers will be offered jobs at the Bergen site."
)


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.retrievals: list[tuple[str, str]] = []
        self.found: list[int] = []
        self.chains: list[str] = []

    def on_retriever_start(self, serialized, query, **kwargs):
        self.retrievals.append((kwargs.get("name") or "", query))

    def on_retriever_end(self, documents, **kwargs):
        self.found.append(len(documents))

    def on_chain_start(self, serialized, inputs, **kwargs):
        self.chains.append(kwargs.get("name") or "")


@pytest.fixture
def bot(tmp_path, fake_embedder, blank_nlp):
    b = QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp,
              reader=ScriptedReader(["Lena Ortiz", "400"]), calibration=Calibration(0.0, 1.0, "own"))  # fmt: skip
    b.ingest_text(ARTICLE, title="Smelter")
    return b


def test_chain_fires_the_retriever_callbacks_with_the_rewritten_question(bot):
    seen = Recorder()
    history = [("Who is the chief executive?", "Lena Ortiz")]
    answer = bot.chain.invoke({"question": "What did she say?", "history": history}, {"callbacks": [seen]})
    assert isinstance(answer, Answer) and answer.text == "Lena Ortiz"
    assert seen.retrievals == [("HybridRetriever", "What did Lena Ortiz say?")]
    assert seen.found == [len(bot.retrieve("What did Lena Ortiz say?").passages)] and seen.found[0] > 0
    assert {"qa_bot", "rewrite", "retrieve", "read"} <= set(seen.chains)
    assert answer.rewritten_question == "What did Lena Ortiz say?"
    doc = bot.document(answer.doc_id)
    assert doc.text[answer.answer_start : answer.answer_end] == answer.quote


def test_chain_answers_small_talk_without_retrieving(bot):
    seen = Recorder()
    answer = bot.chain.invoke("hello!", {"callbacks": [seen]})
    assert answer.smalltalk and seen.retrievals == []


def test_stream_yields_tokens_then_one_final_and_ask_returns_the_final(bot):
    events = list(bot.stream("Who runs Halvard Metals?"))
    assert [type(e) for e in events] == [Token, Final]
    assert events[0].text == events[1].answer.text == "Lena Ortiz"
    assert bot.ask("Who runs Halvard Metals?").text == "Lena Ortiz"


def test_retrieve_is_typed_and_scoped(bot):
    found = bot.retrieve("How many workers?")
    assert isinstance(found, Retrieval) and found.standalone == "How many workers?" and not found.rewritten
    assert found.passages and all(p.chunk.doc_id == bot.documents()[0].doc_id for p in found.passages)
    bot.ingest_text("The ferry to Skarv was cancelled on Friday because of the storm.", title="Ferry")
    ferry = next(d.doc_id for d in bot.documents() if d.title == "Ferry")
    scoped = bot.retrieve("How many workers?", doc_ids=[ferry])
    assert {p.chunk.doc_id for p in scoped.passages} == {ferry}


class Stages(BaseCallbackHandler):
    """Each stage's start and end, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.names: dict[object, str] = {}

    def on_chain_start(self, serialized, inputs, *, run_id, **kwargs):
        self.names[run_id] = kwargs.get("name") or ""
        self.events.append(("start", self.names[run_id]))

    def on_chain_end(self, outputs, *, run_id, **kwargs):
        self.events.append(("end", self.names.get(run_id, "")))

    def on_retriever_end(self, documents, **kwargs):
        self.events.append(("end", "retriever"))


def test_the_chain_takes_a_filter_and_a_handler_sees_every_stage(bot):
    bot.ingest_text(
        "The ferry line's owner, Lena Ortiz, said the ferry company had lost money.", title="Ferry"
    )
    seen = Stages()
    question = {"question": "Who said the company lost money?", "history": [], "filter": {"title": "Ferry"}}
    answer = bot.chain.invoke(question, {"callbacks": [seen]})
    assert answer.citations and {c.title for c in answer.citations} == {"Ferry"}
    starts = [name for kind, name in seen.events if kind == "start"]
    ends = [name for kind, name in seen.events if kind == "end"]
    for stage in ("prepare", "rewrite", "retrieve", "read", "answer"):
        assert stage in starts and stage in ends, seen.events
    assert starts.index("rewrite") < starts.index("retrieve") < starts.index("read")
    assert ends.index("retriever") < ends.index("retrieve")  # the retriever runs inside the retrieve stage
    other = bot.chain.invoke({**question, "filter": {"title": "Smelter"}})
    assert {c.title for c in other.citations} == {"Smelter"}
    with pytest.raises(InvalidInput, match="No article"):
        bot.chain.invoke({"question": "Who?", "filter": {"title": "Nothing like it"}})
    with pytest.raises(InvalidInput, match="Unknown input"):
        bot.chain.invoke({"question": "Who?", "scope": "all"})


def test_ask_stream_and_chain_run_the_same_pipeline(bot):
    seen = Stages()
    bot.pipeline.invoke("Who runs Halvard Metals?", {"callbacks": [seen]})
    assert ("end", "read") in seen.events
    direct = bot.ask("Who runs Halvard Metals?", filter={"title": "Smelter"})
    chained = bot.chain.invoke({"question": "Who runs Halvard Metals?", "filter": {"title": "Smelter"}})
    streamed = [e for e in bot.stream("Who runs Halvard Metals?", filter={"title": "Smelter"})][-1].answer
    assert direct.text == chained.text == streamed.text == "Lena Ortiz"
    assert direct.citations == chained.citations == streamed.citations


def test_a_pipeline_whose_stage_lacks_an_input_fails_when_built():
    from qa_bot.pipeline import Component, connect

    read = Component("read", ("passages",), ("events",), lambda s: s)
    with pytest.raises(ValueError, match="read needs passages"):
        connect([read], ["question"])
    connect([Component("retrieve", ("question",), ("passages",), lambda s: s), read], ["question"])


def test_a_question_about_the_whole_article_is_answered_with_its_first_sentence(bot):
    answer = bot.ask("What is this article about?")
    assert answer.meta.get("lead") and answer.text == ARTICLE.split("\n")[0]
    doc = bot.document(answer.doc_id)
    assert doc.text[answer.answer_start : answer.answer_end] == answer.quote == answer.text
    streamed = list(bot.stream("Summarize the article."))
    assert [type(e) for e in streamed] == [Token, Final] and streamed[-1].answer.meta.get("lead")
    # "What is it about?" opening a conversation asks about the article; after earlier turns, about what was
    # just said: the reader answers it
    found = replace(bot.retrieve("What is this article about?"), question="What is it about?")
    assert gist_reply(bot, found).text == answer.text
    assert gist_reply(bot, replace(found, history=(("Who runs Halvard Metals?", "Lena Ortiz"),))) is None


def test_a_retrievals_articles_are_its_passages_articles_best_first_each_once():
    from qa_bot.types import Chunk, Passage, Retrieval

    def passage(doc_id: str, n: int) -> Passage:
        return Passage(Chunk(f"{doc_id}:{n}", doc_id, doc_id.upper(), 0, 4, "text"), score=1.0 / (n + 1))

    found = Retrieval("q", "q", (passage("b", 0), passage("a", 1), passage("b", 2), passage("c", 3)))
    assert found.article_ids == ("b", "a", "c")
    assert "article_ids" not in found.to_dict()  # derived, not stored
    assert Retrieval("q", "q", ()).article_ids == ()


def test_a_misspelt_question_is_read_mended_and_says_what_it_was_understood_as(bot):
    reader = bot.answerer.reader
    answer = bot.ask("How many workers will be ofered jobs?")
    assert answer.question == "How many workers will be ofered jobs?"  # as typed
    assert answer.rewritten_question == "How many workers will be offered jobs?"
    assert reader.questions[-1] == "How many workers will be offered jobs?"  # the reader read it mended
    found = bot.retrieve("How many workers will be ofered jobs?")
    assert (found.question, found.typed, found.rewritten) == (
        answer.rewritten_question,
        answer.question,
        True,
    )
    # two slips in one word: mended to the article's word two slips away
    assert bot.ask("How many workers will be oferred jobs?").rewritten_question == answer.rewritten_question
    # a follow-up: mended, then read in its conversation
    history = [("Who is the chief executive?", "Lena Ortiz")]
    follow = bot.ask("Waht did she say?", history)
    assert follow.question == "Waht did she say?" and reader.questions[-1] == "What did she say?"
    assert follow.rewritten_question == "What did Lena Ortiz say?"
    # the conversation's own slips are mended too: the reader reads its questions as meant
    bot.ask("What did she say?", [("Who is the cheif executive?", "Lena Ortiz")])
    assert reader.histories[-1] == (("Who is the chief executive?", "Lena Ortiz"),)
    assert bot.retrieve("What did she say?", [("Who is the cheif executive?", "Lena Ortiz")]).history == (
        ("Who is the chief executive?", "Lena Ortiz"),
    )
    # with the setting off the question is read as typed
    plain = QABot(index_dir=bot.settings.index_dir, embedder=bot.embedder, nlp=bot.nlp, respell=False,
                  reader=ScriptedReader(["400"]), calibration=Calibration(0.0, 1.0, "own"))  # fmt: skip
    typed = plain.ask("How many workers will be ofered jobs?")
    assert typed.rewritten_question is None and plain.answerer.reader.questions == [typed.question]
