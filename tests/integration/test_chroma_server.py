"""Server mode: a real `chroma run` process; qa-bot through chromadb's HttpClient answers like the embedded index."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SEED, free_port, stop, wait_for_http

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.skip("the `chroma` command (chromadb) is not installed")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open(
        "wb"
    )  # it logs every request: a pipe nobody reads would fill and block it
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/api/v2/heartbeat", proc, timeout=60)
        yield url
    finally:
        stop(proc)
        log.close()


def test_server_mode_answers_like_the_embedded_index(chroma_server, seed_bot, tmp_path, shared_data):
    from qa_bot import QABot

    bot = QABot(index_dir=tmp_path / "unused", chroma_url=chroma_server,
                embedder=seed_bot.embedder, nlp=seed_bot.nlp)  # fmt: skip
    report = bot.ingest(SEED)
    assert report.added_documents == 1 and bot.store.count() == seed_bot.store.count()
    assert not (tmp_path / "unused").exists()  # nothing local: the server holds the index
    questions = [
        q["question"]
        for a in json.loads((shared_data / "seed_qa_dev.json").read_text("utf-8"))["data"]
        for p in a["paragraphs"]
        for q in p["qas"]
        if not q.get("history")
    ]
    for q in questions:
        served, embedded = bot.ask(q), seed_bot.ask(q)
        assert (served.text, served.citations) == (embedded.text, embedded.citations), q
    assert bot.ingest(SEED).added_documents == 0  # unchanged: skipped, as in embedded mode


def test_cli_with_chroma_url(chroma_server, tmp_path):
    from qa_bot.cli import cli

    env = {"QA_BOT_INDEX_DIR": str(tmp_path / "unused")}
    runner = CliRunner(env=env)
    result = runner.invoke(cli, ["ingest", str(SEED), "--chroma-url", chroma_server])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["ask", "who denied the allegations?", "--chroma-url", chroma_server])
    assert result.exit_code == 0 and result.output.startswith("Amir Saeid Iravani")


def test_unreachable_server_is_a_clear_error(tmp_path):
    from qa_bot.cli import cli

    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["documents", "--chroma-url", url, "--index", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert f"Cannot open the Chroma server at {url}" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
