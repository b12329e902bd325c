"""Concurrency: 20 gradio_client clients ask at once, against the real server, while an ingest runs: every
answer is the serial answer (before or after the ingested article landed), nothing errors."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTIONS = [
    "Who denied the allegations?",
    "What did Amir Saeid Iravani call the allegations?",
    "How many hostages were captured in the attack?",
    "Who conducted the training?",
    "Which newspaper reported the training?",
    "Who is the leader of the Quds Force?",
    "Who won the 2022 World Cup?",
    "Where did the training take place?",
    "Who is Iran's permanent representative to the United Nations?",
    "What is the capital of Peru?",
]
QUESTIONS = QUESTIONS + [q.lower().rstrip("?") for q in QUESTIONS]  # 20 different strings

LIBRARY = (
    "Library opens in Brindle. The town of Brindle opened a new public library on Friday. The mayor, Ella Stone, "
    "cut the ribbon in front of about two hundred residents. The library holds 40,000 books."
)


def _key(result: dict) -> tuple:
    return (
        result.get("text"),
        result.get("abstained"),
        tuple((c["doc_id"], c["start"], c["end"]) for c in result.get("citations", [])),
    )


def test_twenty_clients_at_once_while_ingesting(live_server):
    from gradio_client import Client

    serial = {q: _key(Client(live_server, verbose=False).predict(q, api_name="/ask")) for q in QUESTIONS}
    assert serial["Who denied the allegations?"][0] == "Amir Saeid Iravani"

    ingested: dict = {}

    def ingest() -> None:
        ingested.update(
            Client(live_server, verbose=False).predict(LIBRARY, "Library opens", "", api_name="/ingest")
        )

    def ask(q: str) -> tuple:
        return _key(Client(live_server, verbose=False).predict(q, api_name="/ask"))

    writer = threading.Thread(target=ingest)
    writer.start()
    with ThreadPoolExecutor(max_workers=20) as pool:  # bounded: 20 clients, one question each
        answers = dict(zip(QUESTIONS, pool.map(ask, QUESTIONS, timeout=300), strict=True))
    writer.join(timeout=300)
    assert "error" not in ingested and ingested.get("added_documents") in (0, 1)
    # the new article changes corpus statistics (BM25 IDF), so an answer given after it landed may be the one a
    # serial run gives afterwards; anything else would be a concurrency bug
    after = {q: _key(Client(live_server, verbose=False).predict(q, api_name="/ask")) for q in QUESTIONS}
    for q in QUESTIONS:
        assert answers[q] in (serial[q], after[q]), q
    assert after["Who denied the allegations?"][0] == "Amir Saeid Iravani"
