"""The public Python API: imports, result types, the Runnable, settings and bad input."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

import qa_bot
from qa_bot import Answer, Citation, IngestError, IngestReport, InvalidInput, QABot, QABotError
from qa_bot.config import Settings
from tests.conftest import SEED, index_fingerprint


def test_import_is_light():
    code = (
        "import sys, qa_bot; from qa_bot import Answer, Citation;"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'spacy', 'gradio', 'chromadb') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names():
    assert {"QABot", "answer", "Answer", "Citation", "QABotError"} <= set(qa_bot.__all__)
    for name in qa_bot.__all__:
        assert getattr(qa_bot, name) is not None


def test_results_are_frozen_and_serialisable():
    c = Citation(doc_id="d", title="T", start=1, end=4, text="abc", score=0.5)
    a = Answer(
        question="q?", text="abc", abstained=False, citations=(c,), doc_id="d", answer_start=1, answer_end=4
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.text = "x"  # type: ignore[misc]
    d = a.to_dict()
    assert d["citations"][0] == {
        "doc_id": "d",
        "title": "T",
        "start": 1,
        "end": 4,
        "text": "abc",
        "score": 0.5,
    }
    assert json.loads(json.dumps(d))["text"] == "abc"
    assert IngestReport(skipped_documents=1).unchanged


def test_errors_share_one_base():
    for cls in (qa_bot.InvalidInput, qa_bot.IngestError, qa_bot.IndexUnavailable, qa_bot.ModelUnavailable,
                qa_bot.AccessDenied):  # fmt: skip
        assert issubclass(cls, QABotError)


def test_settings_precedence(monkeypatch):
    monkeypatch.setenv("QA_BOT_K", "7")
    monkeypatch.setenv("QA_BOT_INDEX_DIR", "/tmp/from-env")
    assert Settings.load().k == 7
    assert Settings.load(k=3).k == 3
    assert Settings.load().index_dir == "/tmp/from-env"
    monkeypatch.delenv("QA_BOT_K")
    assert Settings.load().k == Settings().k
    monkeypatch.setenv("QA_BOT_K", "many")
    with pytest.raises(InvalidInput, match="QA_BOT_K"):
        Settings.load()
    with pytest.raises(InvalidInput):
        Settings.load(fetch_k=0)
    monkeypatch.delenv("QA_BOT_K")
    monkeypatch.setenv("QA_BOT_VERDICT_THRESHOLD", "0.7")
    assert Settings.load().verdict_threshold == 0.7
    assert Settings.load(verdict_threshold=0.0).verdict_threshold == 0.0
    with pytest.raises(InvalidInput, match="verdict_threshold"):
        Settings.load(verdict_threshold=2)


@pytest.mark.slow
def test_reingest_adds_nothing(tmp_path):
    bot = QABot(index_dir=tmp_path / "ix")
    first = bot.ingest(SEED)
    assert first.added_documents == 1 and first.added_chunks > 0
    before = index_fingerprint(bot)
    again = bot.ingest(SEED)
    assert again.unchanged and again.skipped_documents == 1 and again.added_chunks == 0
    assert "Nothing new" in again.summary()
    assert index_fingerprint(bot) == before
    text_report = bot.ingest_text(SEED.read_text("utf-8"), title="Another title")
    assert text_report.unchanged


@pytest.mark.slow
def test_runnable_invoke_batch_stream(seed_bot):
    chain = seed_bot.chain
    one = chain.invoke("who denied the allegations?")
    assert isinstance(one, Answer) and "Iravani" in one.text
    many = chain.batch(
        [
            {"question": "Who denied the allegations?"},
            {"question": "What did he call them?", "history": [("Who denied the allegations?", one.text)]},
        ]
    )
    assert "Iravani" in many[0].text and "baseless" in many[1].text
    streamed = list(chain.stream("How many hostages were captured in the attack?"))
    assert streamed and "224" in streamed[-1].text
    with pytest.raises(InvalidInput):
        chain.invoke(42)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "history", "message"),
    [
        ("", None, "type a question"),
        ("   \n\t ", None, "type a question"),
        ("why? " * 500, None, "limit"),
        (None, None, "must be text"),
        ("who?", "not a list", "history"),
        ("who?", [("only one",)], "history"),
        ("who?", [(1, 2)], "history"),
    ],
)
def test_bad_questions_raise_typed_errors_and_leave_index_unchanged(seed_bot, question, history, message):
    before = index_fingerprint(seed_bot)
    with pytest.raises(InvalidInput, match=message):
        seed_bot.ask(question, history=history)  # type: ignore[arg-type]
    assert index_fingerprint(seed_bot) == before


@pytest.mark.slow
def test_bad_files_leave_index_unchanged(seed_bot, tmp_path):
    before = index_fingerprint(seed_bot)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin.txt").write_bytes("naïve".encode("latin-1"))
    good = tmp_path / "good.txt"
    good.write_text("A fine article. It says things.")
    for bad in ("empty.txt", "bin.txt", "latin.txt", "missing.txt"):
        with pytest.raises(IngestError):
            seed_bot.ingest(good, tmp_path / bad)  # one bad file stops the whole call before any write
    with pytest.raises(IngestError):
        seed_bot.ingest_text("   ", title="blank")
    assert index_fingerprint(seed_bot) == before


@pytest.mark.slow
def test_answer_convenience_ingests_the_seed_on_demand(tmp_path, monkeypatch):
    import qa_bot.default as bot_module

    monkeypatch.setenv("QA_BOT_INDEX_DIR", str(tmp_path / "default"))
    monkeypatch.setattr(bot_module, "_default_bot", None)
    a = qa_bot.answer("who denied the allegations?")
    assert "Iravani" in a.text
    assert len(bot_module.default_bot().documents()) == 1
