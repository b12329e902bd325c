"""Crash safety: an ingest killed with SIGKILL at random points leaves an index that opens, holds only complete
documents once swept, and a re-run ends with exactly the expected chunks, no duplicates."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
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
    listed = {d["doc_id"]: int(d["n_chunks"]) for d in store.documents()}
    stored: dict[str, int] = {}
    for c in store.all_chunks():
        stored[c.doc_id] = stored.get(c.doc_id, 0) + 1
    return listed, stored


@pytest.fixture(scope="module")
def expected(tmp_path_factory, fake_embedder_module, blank_nlp):
    """Chunk and document counts of an uninterrupted ingest, and how long the ingest itself takes."""
    from qa_bot import QABot

    tmp = tmp_path_factory.mktemp("crash-expected")
    feed = _feed(tmp / "feed.jsonl")
    out = subprocess.run([sys.executable, "-m", "tests.reliability.ingest_worker", str(tmp / "ix"), str(feed)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0 and "done 240" in out.stdout, out.stderr[-2000:]
    seconds = float(out.stdout.split("done 240")[1].split()[0])
    bot = QABot(index_dir=tmp / "ix", embedder=fake_embedder_module, nlp=blank_nlp)
    return bot.store.count(), len(bot.documents()), seconds


@pytest.fixture(scope="module")
def fake_embedder_module():
    from tests.conftest import FakeEmbedder

    return FakeEmbedder()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_sigkill_during_ingest_loses_nothing_and_leaves_no_duplicates(
    tmp_path, seed, expected, fake_embedder_module, blank_nlp
):
    from qa_bot import QABot

    chunks, documents, seconds = expected
    feed = _feed(tmp_path / "feed.jsonl")
    index = tmp_path / "ix"
    proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.ingest_worker", str(index), str(feed)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().startswith("ready")
    time.sleep(random.Random(seed).uniform(0.05, 0.75) * seconds)  # somewhere inside the ingest
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    bot = QABot(index_dir=index, embedder=fake_embedder_module, nlp=blank_nlp)  # it opens
    listed, stored = _complete(bot.store)
    assert (
        len(listed) < documents or proc.returncode != -signal.SIGKILL
    )  # it was interrupted (or had finished)
    for doc_id, n in listed.items():  # every listed document is complete
        assert stored.get(doc_id) == n, doc_id
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
