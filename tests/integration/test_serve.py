"""`qa-bot serve` as a real server process, used through gradio_client's named API endpoints."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import SEED, free_port, wait_for_http

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(live_server):
    from gradio_client import Client

    return Client(live_server, verbose=False)


def test_ask_endpoint_returns_json_with_offsets(client):
    r = client.predict("who denied the allegations?", api_name="/ask")  # history defaults to empty
    assert r["text"] == "Amir Saeid Iravani" and r["abstained"] is False
    assert r["kind"] == "span" and r["quote"] == r["text"]
    c = r["citations"][0]
    assert "categorically denied" in c["text"] and c["end"] - c["start"] == len(c["text"])
    assert c["start"] <= r["answer_start"] < r["answer_end"] <= c["end"]


def test_ask_endpoint_follow_up_and_abstention(client):
    r = client.predict("What did he call them?", [["who denied the allegations?", "Amir Saeid Iravani"]],
                       api_name="/ask")  # fmt: skip
    assert r["text"] == "baseless" and r["rewritten_question"]
    r = client.predict("Who won the 2022 World Cup?", api_name="/ask")
    assert r["abstained"] is True and r["citations"] == [] and r["kind"] == "abstain"


def test_ask_endpoint_answers_two_questions_part_by_part(client):
    r = client.predict("Who denied the allegations and what did he call them?", api_name="/ask")
    assert r["text"] == "Amir Saeid Iravani"  # the first answer's fields, and each answer under "parts"
    assert [p["text"] for p in r["parts"]] == ["Amir Saeid Iravani", "baseless"]
    assert r["parts"][1]["rewritten_question"] == "What did Amir Saeid Iravani call the allegations?"


def test_ask_endpoint_bad_input_is_a_message(client):
    assert "question" in client.predict("   ", api_name="/ask")["error"]


def test_ingest_endpoint_then_ask_that_article(client):
    text = "Lake report\n\nThe lake warden, Mira Holm, counted 412 swans on the lake this winter."
    report = client.predict(text, "Lake report", "", api_name="/ingest")
    assert report["added_documents"] == 1 and report["titles"] == ["Lake report"]
    r = client.predict("How many swans did the warden count?", None, report["doc_ids"][0], api_name="/ask")
    assert r["text"] == "412" and r["doc_id"] == report["doc_ids"][0]
    again = client.predict(text, "Lake report", "", api_name="/ingest")
    assert again["added_documents"] == 0  # unchanged text is not stored twice


def test_serve_behind_a_root_path(tmp_path):
    """`--root-path` for a reverse proxy: the page still serves and its config names the prefix."""
    index = tmp_path / "ix"
    subprocess.run(
        [sys.executable, "-m", "qa_bot", "ingest", str(SEED), "--index", str(index), "-q"], check=True
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa_bot", "serve", "--index", str(index), "--port", str(port),
         "--root-path", "/qa"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", proc)
        import json
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=10) as r:
            config = json.loads(r.read())
        assert config["root"].endswith("/qa")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
