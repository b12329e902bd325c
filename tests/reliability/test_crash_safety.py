"""Crash safety: an ingest killed with SIGKILL at chosen points (the worker pauses there and says so, so no
timing is involved) leaves an index that opens and lists only complete documents, and a re-run ends with exactly
the expected chunks, no duplicates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
N_ARTICLES = 240


def _feed(path: Path) -> Path:
    rows = []
    for i in range(N_ARTICLES):
        sentences = [f"Report {i} from the harbour of town {i}.", f"The council of town {i} met on day {i % 7}.",
                     f"It approved budget line {i * 13} after a debate about ferry route {i}.",
                     f"Resident number {i} said the vote on item {i * 7} was fair."]  # fmt: skip
        rows.append({"id": f"wire-{i}", "title": f"Story {i}", "text": " ".join(sentences * (1 + i % 4))})
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    return path


def _complete(store) -> tuple[dict[str, int], dict[str, int]]:
    """Chunks per document as listed (n_chunks) and as stored."""
    listed = {d.doc_id: int(d.n_chunks) for d in store.documents()}
    stored: dict[str, int] = {}
    for c in store.all_chunks():
        stored[c.doc_id] = stored.get(c.doc_id, 0) + 1
    return listed, stored


@pytest.fixture(scope="module")
def expected(tmp_path_factory, fake_embedder_module, blank_nlp):
    """Chunk and document counts of an uninterrupted ingest."""
    from qa_bot import QABot

    tmp = tmp_path_factory.mktemp("crash-expected")
    feed = _feed(tmp / "feed.jsonl")
    out = subprocess.run([sys.executable, "-m", "tests.reliability.ingest_worker", str(tmp / "ix"), str(feed)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0 and f"done {N_ARTICLES}" in out.stdout, out.stderr[-2000:]
    bot = QABot(index_dir=tmp / "ix", embedder=fake_embedder_module, nlp=blank_nlp)
    return bot.store.count(), len(bot.documents())


@pytest.fixture(scope="module")
def fake_embedder_module():
    from tests.conftest import FakeEmbedder

    return FakeEmbedder()


BATCH = 32  # articles per batch of the Indexer: one write of chunk records, then one of article records


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pause_after", "listed_before_kill"),
    [
        ("chunks:1", 0),
        ("documents:1", BATCH),
        ("chunks:4", 3 * BATCH),
        ("documents:5", 5 * BATCH),
        ("chunks:8", 7 * BATCH),
    ],
)
def test_sigkill_during_ingest_loses_nothing_and_leaves_no_duplicates(
    tmp_path, pause_after, listed_before_kill, expected, fake_embedder_module, blank_nlp
):
    from qa_bot import QABot
    from qa_bot.ingest.indexer import Indexer

    assert Indexer.__init__.__kwdefaults__["batch_documents"] == BATCH
    chunks, documents = expected
    feed = _feed(tmp_path / "feed.jsonl")
    index = tmp_path / "ix"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.ingest_worker", str(index), str(feed), "--pause-after", pause_after],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip(), proc.stdout.readline().strip()]
    assert lines == ["ready", "paused"], lines
    os.kill(proc.pid, signal.SIGKILL)  # the worker is inside the ingest, at the point it reported
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    bot = QABot(index_dir=index, embedder=fake_embedder_module, nlp=blank_nlp)  # it opens
    listed, stored = _complete(bot.store)
    assert len(listed) == listed_before_kill
    for doc_id, n in listed.items():  # every listed document is complete
        assert stored.get(doc_id) == n, doc_id
    if pause_after.startswith("chunks"):  # that batch's chunks were written, its articles were not
        assert sum(stored.values()) > sum(listed.values())
    # chunks of a document that is not listed are an interrupted write: swept by the next ingest
    report = bot.ingest(feed)
    assert report.added_documents == documents - len(listed)
    listed, stored = _complete(bot.store)
    assert len(listed) == documents and listed == stored
    assert bot.store.count() == chunks  # exactly the uninterrupted count: nothing lost, nothing twice
    ids = [c.chunk_id for c in bot.store.all_chunks()]
    assert len(ids) == len(set(ids))
    # the lexical side agrees with Chroma (its saved copy is stamped; a stale one is rebuilt)
    hits = bot.store.lexical_search("budget line 1313 ferry route 101", 1)
    assert hits and hits[0][0].title == "Story 101"
