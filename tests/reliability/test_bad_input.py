"""Bad input at every entry (Python API, CLI, the Gradio page's handlers, the HTTP API): a clear message, never a
traceback, exit code 2 in the CLI, and the index unchanged afterwards (chunk/document counts and a content hash)."""

from __future__ import annotations

import contextlib
import os
import subprocess

import pytest
from click.testing import CliRunner

from qa_bot.errors import IndexUnavailable, IngestError, InvalidInput, QABotError
from tests.conftest import index_fingerprint
from tests.reliability.conftest import BAD_URLS

pytestmark = pytest.mark.integration

BAD_QUESTIONS = [
    pytest.param("", "type a question", id="empty"),
    pytest.param(" \t\n  ", "type a question", id="whitespace"),
    pytest.param("who? " * 20_000, "limit", id="100KB"),
]
ODD_QUESTIONS = [
    pytest.param("\x00\x07who\x1b[31m denied\x7f the allegations?\u200b", id="control-characters"),
    pytest.param("кто denied 指控 the allegations? مرحبا", id="mixed-scripts"),
]


def _cli(bot, monkeypatch):
    from qa_bot import cli

    monkeypatch.setattr(cli, "_bot", lambda index, **kw: bot)
    return CliRunner(), cli.cli


def _one_clear_line(output: str) -> str:
    assert "Traceback" not in output
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), output
    return lines[0]


# -- questions ---------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(("question", "message"), BAD_QUESTIONS)
def test_bad_questions_everywhere_in_process(seed_bot, monkeypatch, question, message):
    from qa_bot.app import api_answer, respond

    before = index_fingerprint(seed_bot)
    with pytest.raises(InvalidInput, match=message):
        seed_bot.ask(question)
    runner, cli = _cli(seed_bot, monkeypatch)
    result = runner.invoke(cli, ["ask", question])
    assert result.exit_code == 2 and message in _one_clear_line(result.output)
    _, chat, pairs = respond(seed_bot, question, [], [])
    assert pairs == [] and all("Traceback" not in m["content"] for m in chat)
    if question.strip():  # a blank message is simply not sent; anything else gets the message in the chat
        assert chat[-1]["content"].startswith("⚠️") and message in chat[-1]["content"]
    assert message in api_answer(seed_bot, question)["error"]
    assert index_fingerprint(seed_bot) == before


@pytest.mark.slow
@pytest.mark.parametrize("question", ODD_QUESTIONS)
def test_odd_but_valid_questions_get_a_grounded_answer_or_an_abstention(seed_bot, monkeypatch, question):
    from qa_bot.app import respond

    before = index_fingerprint(seed_bot)
    a = seed_bot.ask(question)
    if not a.abstained:
        assert seed_bot.document(a.doc_id).text[a.answer_start : a.answer_end] == a.quote
    runner, cli = _cli(seed_bot, monkeypatch)
    result = runner.invoke(cli, ["ask", question])
    assert result.exit_code == 0 and "Traceback" not in result.output
    _, chat, _ = respond(seed_bot, question, [], [])
    assert chat[-1]["role"] == "assistant" and not chat[-1]["content"].startswith("⚠️")
    assert index_fingerprint(seed_bot) == before


@pytest.mark.slow
@pytest.mark.parametrize(
    "history",
    ["not a list", [("only one",)], [(1, 2)], [["q", "a", "extra"]], {"q": "a"}, [None]],
)
def test_malformed_history(seed_bot, history):
    from qa_bot.app import api_answer

    before = index_fingerprint(seed_bot)
    with pytest.raises(InvalidInput, match="history"):
        seed_bot.ask("what did he call them?", history=history)
    assert "history" in api_answer(seed_bot, "what did he call them?", history)["error"]
    assert index_fingerprint(seed_bot) == before


# the real server process: HTTP API through gradio_client
@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "history", "message"),
    [("", None, "type a question"), ("who? " * 20_000, None, "limit"), ("who?", "nonsense", "history")],
    ids=["empty", "100KB", "bad-history"],
)
def test_bad_input_over_http(live_server, question, history, message):
    from gradio_client import Client

    client = Client(live_server, verbose=False)
    got = client.predict(question, history, api_name="/ask")
    assert message in got["error"]
    assert client.predict("who denied the allegations?", api_name="/ask")["text"] == "Amir Saeid Iravani"


# -- files and text ----------------------------------------------------------------------------------------
def _bad_files(tmp_path):
    files = {
        "empty.txt": (b"", "empty"),
        "binary.txt": (b"\x89PNG\x00\x01\x02\x03", "binary"),
        "latin1.txt": ("Caf\u00e9 na\u00efve".encode("latin-1"), "not valid UTF-8"),
        "huge.txt": (b"a" * 5_000_001, "over the 5,000,000-byte limit"),
        "nav-only.html": (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text"),
        "image.png": (b"\x89PNG", "unsupported file type"),
    }
    out = []
    for name, (data, message) in files.items():
        (tmp_path / name).write_bytes(data)
        out.append((tmp_path / name, message))
    return out


def test_bad_files_everywhere(fast_bot, tmp_path, monkeypatch):
    from qa_bot.app import ingest_files_status

    fast_bot.ingest_text("The council met on Monday. It approved the budget.", title="Council")
    before = index_fingerprint(fast_bot)
    runner, cli = _cli(fast_bot, monkeypatch)
    for path, message in _bad_files(tmp_path):
        with pytest.raises(IngestError, match=message):
            fast_bot.ingest(path)
        result = runner.invoke(cli, ["ingest", str(path)])
        assert result.exit_code == 2 and message in _one_clear_line(result.output), path.name
        status = ingest_files_status(fast_bot, [path])
        assert "⚠️" in status and message.split(",")[0] in status and "Traceback" not in status
    assert index_fingerprint(fast_bot) == before


def test_the_file_size_limit_is_configurable(tmp_path, fake_embedder, blank_nlp, monkeypatch):
    from qa_bot import QABot

    monkeypatch.setenv("QA_BOT_MAX_FILE_BYTES", "1000")
    bot = QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp)
    f = tmp_path / "a.txt"
    f.write_text("word " * 300)
    with pytest.raises(IngestError, match="over the 1,000-byte limit"):
        bot.ingest(f)
    with pytest.raises(InvalidInput, match="1,000-byte limit"):
        bot.ingest_text("word " * 300)
    assert bot.store.count() == 0


def test_bad_pasted_text_everywhere(fast_bot):
    from qa_bot.app import build_demo, ingest_text_status

    before = index_fingerprint(fast_bot)
    for text in ["", "   \n\t", "\x00\x01\x02\x03", "\u200b\u200b"]:
        with pytest.raises(QABotError):
            fast_bot.ingest_text(text, title="t")
        assert ingest_text_status(fast_bot, "t", text).startswith("⚠️")
    with pytest.raises(QABotError):
        fast_bot.ingest_text(b"bytes are not text")  # type: ignore[arg-type]
    assert index_fingerprint(fast_bot) == before
    demo = build_demo(fast_bot)  # the page still builds over the untouched index, with its endpoints
    assert {"ask", "ingest"} <= {str(f.api_name) for f in demo.fns.values()}


# -- URLs --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "message"), BAD_URLS)
def test_bad_urls_everywhere(fast_bot, site, path, message, monkeypatch):
    from qa_bot.app import ingest_url_status

    before = index_fingerprint(fast_bot)
    with pytest.raises(IngestError, match=message):
        fast_bot.ingest_url(site + path)
    status = ingest_url_status(fast_bot, site + path)
    assert status.startswith("⚠️") and message in status
    runner, cli = _cli(fast_bot, monkeypatch)
    result = runner.invoke(cli, ["ingest", site + path])
    assert result.exit_code == 2 and message in _one_clear_line(result.output)
    assert index_fingerprint(fast_bot) == before


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize(("path", "message"), [u for u in BAD_URLS if u[0] != "/slow"])
def test_bad_urls_over_http(live_server, site, path, message):
    from gradio_client import Client

    got = Client(live_server, verbose=False).predict("", "", site + path, api_name="/ingest")
    assert message in got["error"]


def test_not_a_web_address(fast_bot):
    for url in ["", "file:///etc/passwd", "ftp://x", "javascript:alert(1)"]:
        with pytest.raises(IngestError, match="http"):
            fast_bot.ingest_url(url)


# -- the index itself --------------------------------------------------------------------------------------
def _snapshot(directory) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


def test_a_corrupted_index_is_refused_and_left_as_it_was(fast_bot, monkeypatch):
    from qa_bot import QABot, cli

    fast_bot.ingest_text("The council met on Monday. It approved the budget.", title="Council")
    directory = fast_bot.store.index_dir
    del fast_bot
    (directory / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    before = _snapshot(directory)
    with pytest.raises(IndexUnavailable, match="Cannot open the index"):
        QABot(index_dir=directory)
    result = CliRunner().invoke(cli.cli, ["documents", "--index", str(directory)])
    assert result.exit_code == 2 and "Cannot open the index" in _one_clear_line(result.output)
    assert _snapshot(directory) == before  # nothing was "repaired" away


@pytest.mark.parametrize(
    ("marker", "message"), [(b"{not json", "unreadable"), (b'{"format": 99}', "index format 99")]
)
def test_a_damaged_marker_is_refused(tmp_path, marker, message):
    from qa_bot import QABot
    from qa_bot.store import INDEX_MARKER

    directory = tmp_path / "ix"
    directory.mkdir()
    (directory / INDEX_MARKER).write_bytes(marker)
    with pytest.raises(IndexUnavailable, match=message):
        QABot(index_dir=directory)


def test_a_foreign_directory_is_not_used_as_an_index(tmp_path):
    from qa_bot import QABot

    (tmp_path / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(IndexUnavailable, match="not a qa-bot index"):
        QABot(index_dir=tmp_path)
    assert (tmp_path / "thesis.docx").read_bytes() == b"precious"


@contextlib.contextmanager
def _read_only(directory):
    """``directory`` made read-only: a read-only bind mount as root (permissions do not bind root), else chmod."""
    if os.geteuid() == 0:
        view = directory.with_name(directory.name + "-ro")
        view.mkdir()
        ok = (
            subprocess.run(["mount", "--bind", str(directory), str(view)], capture_output=True).returncode
            == 0
        )
        if (
            not ok
            or subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True).returncode
        ):
            if ok:
                subprocess.run(["umount", str(view)])
            pytest.skip("running as root without permission to mount: a read-only index cannot be made here")
        try:
            yield view
        finally:
            subprocess.run(["umount", str(view)], check=True)
    else:
        modes = {p: p.stat().st_mode for p in [directory, *directory.rglob("*")]}
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield directory
        finally:
            for p, mode in modes.items():
                p.chmod(mode)


def test_a_read_only_index_is_refused_clearly_and_left_as_it_was(fast_bot):
    from qa_bot import QABot, cli

    fast_bot.ingest_text("The council met on Monday. It approved the budget.", title="Council")
    directory = fast_bot.store.index_dir
    del fast_bot
    before = _snapshot(directory)
    with _read_only(directory) as view:
        with pytest.raises(IndexUnavailable, match="is read-only"):
            QABot(index_dir=view)
        result = CliRunner().invoke(cli.cli, ["documents", "--index", str(view)])
        assert result.exit_code == 2 and "is read-only" in _one_clear_line(result.output)
    assert _snapshot(directory) == before
