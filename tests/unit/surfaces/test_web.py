"""The FastAPI embedding (`qa_bot.web.create_app`) and fetching articles from URLs over real HTTP."""

from __future__ import annotations

import threading
import time

import pytest

from qa_bot.errors import IngestError
from tests.conftest import ARTICLE_HTML


def test_fetch_url_extracts_the_article(site):
    from qa_bot.ingest import fetch_url

    doc = fetch_url(site + "/article", allow_private=True)
    assert doc.title == "Harbour dredger deal"
    assert "Ivo Berg" in doc.text and "9 million euros" in doc.text
    assert "Subscribe" not in doc.text and "Sport" not in doc.text  # page furniture left out
    assert doc.source == site + "/article"


@pytest.mark.parametrize(
    ("path", "message"),
    [("/missing", "HTTP 404"), ("/boom", "HTTP 500"), ("/loop", "redirects too many times"),
     ("/slow", "did not answer within 1 s")],
)  # fmt: skip
def test_fetch_url_failures_are_clear(site, path, message):
    from qa_bot.ingest import fetch_url

    with pytest.raises(IngestError, match=message):
        fetch_url(site + path, timeout=1, allow_private=True)


def test_fetch_url_refuses_non_web_addresses():
    from qa_bot.ingest import fetch_url

    for bad in ("file:///etc/passwd", "ftp://x", "not a url", ""):
        with pytest.raises(IngestError, match="http"):
            fetch_url(bad)


def test_html_file_is_ingested_as_its_main_text(tmp_path, blank_nlp, fake_embedder):
    from qa_bot.ingest import load_paths

    page = tmp_path / "deal.html"
    page.write_text(ARTICLE_HTML, "utf-8")
    (doc,) = load_paths([page])
    assert doc.title == "Harbour dredger deal" and "Ivo Berg" in doc.text and "<p>" not in doc.text


@pytest.mark.slow
@pytest.mark.integration
def test_bot_ingests_a_url_and_answers_from_it(site, seed_bot, tmp_path):
    from qa_bot import QABot

    bot = QABot(
        index_dir=tmp_path / "ix", embedder=seed_bot.embedder, nlp=seed_bot.nlp, allow_private_urls=True
    )
    report = bot.ingest_url(site + "/article")
    assert report.added_documents == 1
    a = bot.ask("Who is the harbour master?")
    assert a.text == "Ivo Berg"


@pytest.mark.slow
def test_create_app_mounts_the_page_in_fastapi(seed_bot, monkeypatch):
    import os

    from fastapi.testclient import TestClient

    from qa_bot.web import create_app

    monkeypatch.setenv("MPLBACKEND", "pdf")  # a backend the user chose is kept
    create_app(seed_bot, path="/qa")
    assert os.environ["MPLBACKEND"] == "pdf"
    monkeypatch.delenv("MPLBACKEND")  # none chosen: agg, so Gradio's events never import pyplot
    app = create_app(seed_bot, path="/qa")
    assert os.environ["MPLBACKEND"] == "agg"
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok", "path": "/qa"}
        page = client.get("/qa/")
        assert page.status_code == 200 and "gradio" in page.text.lower()
        config = client.get("/qa/config").json()
        names = {d.get("api_name") for d in config["dependencies"]}
        assert {"ask", "ingest"} <= names
        assert client.get("/nothing-here").status_code == 404


@pytest.mark.slow
@pytest.mark.integration
def test_mounted_app_under_uvicorn_answers_gradio_client(seed_bot):
    import uvicorn
    from gradio_client import Client

    from qa_bot.web import create_app
    from tests.conftest import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(seed_bot, path="/qa"), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 30
        while not server.started and time.time() < deadline:
            time.sleep(0.1)
        r = Client(f"http://127.0.0.1:{port}/qa/", verbose=False).predict(
            "who denied the allegations?", api_name="/ask"
        )
        assert r["text"] == "Amir Saeid Iravani"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_cli_ingests_a_url(site, tmp_path, fake_embedder, blank_nlp, monkeypatch):
    from click.testing import CliRunner

    from qa_bot import QABot, cli

    bots = []

    def make(index, **kw):
        bots.append(QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp, **kw))
        return bots[-1]

    monkeypatch.setattr(cli, "_bot", make)
    refused = CliRunner().invoke(cli.cli, ["ingest", site + "/article"])  # the test site is on loopback
    assert refused.exit_code == 2 and "is a loopback address (127.0.0.1); not fetched" in refused.output
    result = CliRunner().invoke(cli.cli, ["ingest", site + "/article", "--allow-private-urls"])
    assert result.exit_code == 0 and "Indexed 1 document" in result.output
    (doc,) = bots[-1].documents()
    assert doc.title == "Harbour dredger deal" and doc.source == site + "/article"


def test_a_bad_url_stops_a_mixed_ingest_before_anything_is_written(site, tmp_path, fake_embedder, blank_nlp):
    from qa_bot import QABot

    bot = QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp, allow_private_urls=True)
    good = tmp_path / "good.txt"
    good.write_text("The council met on Monday. It approved the budget.", "utf-8")
    with pytest.raises(IngestError, match="HTTP 404"):
        bot.ingest(good, site + "/missing")
    assert bot.store.count() == 0
    report = bot.ingest(good, site + "/article")
    assert report.added_documents == 2
