"""Shared fixtures: small fakes for fast unit tests, real models through session-scoped fixtures."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_63f53ac7bfb7b5fd.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: similar wording -> similar vectors, no model needed."""

    name = "fake"
    dimension = 64
    batch_size = 16

    def embed(self, texts, *, show_progress=False):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out

    def embed_one(self, text):
        return self.embed([text])[0]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def blank_nlp():
    """A model-free spaCy pipeline (rule-based sentences) for fast ingest tests."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text("utf-8")


@pytest.fixture(scope="session")
def seed_bot(tmp_path_factory):
    """A real bot (real models, real Chroma on disk) with the seed article ingested. Shared: do not mutate."""
    from qa_bot import QABot

    bot = QABot(index_dir=tmp_path_factory.mktemp("seed-index"))
    bot.ingest(SEED)
    return bot


def index_fingerprint(bot) -> tuple[int, int, str]:
    """Chunk count, document count and a hash of every stored chunk: equal before and after == unchanged."""
    chunks = sorted((c.chunk_id, c.text) for c in bot.store.all_chunks())
    digest = hashlib.sha256(repr(chunks).encode()).hexdigest()
    return len(chunks), len(bot.documents()), digest


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc, timeout: float = 120.0) -> None:
    """Until ``url`` answers 200 (or the process died / time ran out: the test fails with its output)."""
    import time
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"server exited with {proc.returncode}:\n{out[-3000:]}")
    pytest.fail(f"server at {url} did not start in {timeout:.0f} s")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real `qa-bot serve` process on a free localhost port, seed article indexed. Yields its base URL.
    Tests may add articles to it (the browser tests do); none removes the seed."""
    import subprocess
    import sys

    index = tmp_path_factory.mktemp("live-index")
    subprocess.run(
        [sys.executable, "-m", "qa_bot", "ingest", str(SEED), "--index", str(index), "-q"], check=True
    )
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa_bot", "serve", "--index", str(index), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
