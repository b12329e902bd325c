"""Resource limits: each is a setting (argument, QA_BOT_* env var, default), documented, and enforced."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from qa_bot.errors import IngestError, InvalidInput

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")


@pytest.mark.parametrize(
    "setting",
    ["max_question_chars", "max_file_bytes", "max_articles_per_ingest", "fetch_timeout", "llm_timeout"],
)
def test_every_limit_is_a_documented_setting(setting, monkeypatch):
    from qa_bot.config import Settings

    assert f"`{setting}`" in README and f"QA_BOT_{setting.upper()}" in README
    monkeypatch.setenv(f"QA_BOT_{setting.upper()}", "7")
    assert getattr(Settings.load(), setting) == 7
    assert getattr(Settings.load(**{setting: 9}), setting) == 9  # an argument wins over the env var
    monkeypatch.setenv(f"QA_BOT_{setting.upper()}", "-1")
    with pytest.raises(InvalidInput, match=setting):
        Settings.load()


def test_max_question_chars(fast_bot, monkeypatch):
    from qa_bot import QABot

    bot = QABot(index_dir=fast_bot.settings.index_dir, embedder=fast_bot.embedder, nlp=fast_bot.nlp,
                max_question_chars=20)  # fmt: skip
    with pytest.raises(InvalidInput, match="limit is 20"):
        bot.ask("who is the mayor of the town?")


def test_max_articles_per_ingest(fast_bot, tmp_path):
    from qa_bot import QABot

    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({"text": f"Story {i}. Town {i} met."}) for i in range(6)) + "\n")
    bot = QABot(index_dir=fast_bot.settings.index_dir, embedder=fast_bot.embedder, nlp=fast_bot.nlp,
                max_articles_per_ingest=5)  # fmt: skip
    with pytest.raises(InvalidInput, match="6 articles in one ingest call; the limit is 5"):
        bot.ingest(feed)
    assert bot.store.count() == 0  # refused before anything was written


def test_fetch_timeout(fast_bot, site):
    started = time.perf_counter()
    with pytest.raises(IngestError, match="did not answer within 1 s"):
        fast_bot.ingest_url(site + "/slow")  # the fixture sets fetch_timeout=1.0
    assert time.perf_counter() - started < 2.5


def test_llm_timeout():
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from qa_bot.answering.llm import LLMAnswerer
    from qa_bot.types import Answer, Chunk, Passage

    text = "The harbour master, Ivo Berg, signed the deal."
    passages = [Passage(Chunk("c1", "doc1", "Harbour", 0, len(text), text), 1.0)]
    slow = FakeListChatModel(responses=["Ivo Berg signed it [1]"], sleep=3.0)  # far slower than the limit
    fallback = Answer(question="q", text="Ivo Berg", abstained=False, doc_id="doc1", answer_start=20,
                      answer_end=28)  # fmt: skip
    started = time.perf_counter()
    a = LLMAnswerer(slow, name="slow", timeout=0.5).answer("Who signed the deal?", passages, lambda: fallback)
    assert time.perf_counter() - started < 2.0  # the limit held: it did not wait for the model's 3 s
    assert a.backend == "extractive" and a.text == "Ivo Berg"  # the extractive answer stands in
    assert "did not finish within 0.5 s" in a.meta["llm_note"]
