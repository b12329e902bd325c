"""Shared fixtures: small fakes for fast unit tests, real models through session-scoped fixtures."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = ROOT / "tests" / "data"  # the project's own sets: paraphrases, follow-ups, conversations
SEED = ROOT / "seeds" / "000_63f53ac7bfb7b5fd.txt"
SHARED_DATA = Path(os.environ.get("QA_BOT_SHARED_DATA") or ROOT.parent / "shared" / "data")


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: similar wording -> similar vectors, no model needed."""

    name = "fake"
    dimension = 64
    batch_size = 16

    def embed(self, texts, *, batch_size=None, show_progress=False):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out

    def embed_one(self, text):
        return self.embed([text])[0]


class ScriptedReader:
    """Answers with the first of its phrases found in the passages read (score 5 over a null of 0)."""

    def __init__(self, phrases: list[str]) -> None:
        self.phrases, self.questions, self.histories = phrases, [], []

    def read(self, question, pieces, history=()):
        from qa_bot.answering.reader import ReadResult
        from qa_bot.answering.windows import SpanScore

        self.questions.append(question)
        self.histories.append(tuple(history))
        for phrase in self.phrases:
            for i, piece in enumerate(pieces):
                if phrase in piece:
                    s = piece.index(phrase)
                    return ReadResult(
                        (SpanScore(i, s, s + len(phrase), 5.0, 0.0, i),), 0.0, windows=len(pieces)
                    )
        return ReadResult((), 0.0, windows=len(pieces))


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


def ruler_pipeline(patterns=()):
    """A model-free spaCy pipeline (rule-based sentences) whose "ner" is an EntityRuler with ``patterns``: ingest
    finds and keeps named entities (those the patterns name) without a trained model."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("entity_ruler", name="ner").add_patterns(list(patterns))
    return nlp


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text("utf-8")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only shared data (dev sets, training data): ``$QA_BOT_SHARED_DATA``, else ``../shared/data``
    beside the repository. Tests that need it fail with this message when it is missing."""
    assert SHARED_DATA.is_dir(), f"the shared data is not at {SHARED_DATA} (set QA_BOT_SHARED_DATA)"
    return SHARED_DATA


@pytest.fixture(scope="session")
def trained_reader():
    """The shipped reader, loaded once per test session."""
    from qa_bot.answering.reader import TrainedReader

    return TrainedReader().warm_up()


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


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """Terminate a server process, killing it when it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


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
    """A real `qa-bot serve` process on a free localhost port, seed article indexed, fetching from the local test
    site (``--allow-private-urls``). Yields its base URL. Tests may add articles to it (the browser tests do);
    none removes the seed."""

    index = tmp_path_factory.mktemp("live-index")
    with serving(index, "--ingest", str(SEED), "--allow-private-urls") as url:  # as `make run` starts it
        yield url


@contextmanager
def serving(index: Path, *args: str, **env: str) -> Iterator[str]:
    """A real `qa-bot serve --index INDEX ARGS...` process (extra environment ``env``) on a free port; yields
    its loopback URL once it answers, and stops it."""
    port = free_port()
    environ = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", **env}
    proc = subprocess.Popen([sys.executable, "-m", "qa_bot", "serve", "--index", str(index), "--port", str(port),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environ)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
        yield url
    finally:
        stop(proc)


# -- a local web site for URL ingest: one article and every way a fetch can fail ---------------------------
ARTICLE_HTML = """<!doctype html><html><head><title>Harbour dredger deal</title></head><body>
<nav><a href="/">Home</a> | <a href="/sport">Sport</a></nav>
<article><h1>Harbour dredger deal</h1>
<p>The port of Nordby agreed on Tuesday to buy a new dredger for 9 million euros, the harbour master said.</p>
<p>The harbour master, Ivo Berg, called the deal a fair price for a busy port. Work starts in March.</p>
<p>Cargo volumes at the port rose four percent last year, according to figures released by the port board.</p>
</article><footer>Subscribe to our newsletter</footer></body></html>"""


def _site_handler():
    import http.server
    import time

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            if self.path == "/article":
                body = ARTICLE_HTML.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif self.path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.end_headers()
            elif self.path == "/slow":
                time.sleep(3)
                self.send_response(200)
                self.end_headers()
            elif self.path == "/boom":
                self.send_response(500)
                self.end_headers()
            else:
                self.send_response(404)
                self.end_headers()

    return Handler


@pytest.fixture(scope="session")
def site():
    """http://127.0.0.1:PORT serving /article, and /loop (redirects forever), /slow (3 s), /boom (500), else 404."""
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _site_handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def fast_bot(tmp_path, fake_embedder, blank_nlp):
    """A real Chroma index on disk with the hashing embedder and the model-free spaCy pipeline; it fetches URLs of
    the local test site (loopback), as an operator who allows private addresses would."""
    from qa_bot import QABot

    return QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp, fetch_timeout=1.0,
                 allow_private_urls=True)  # the local test site is on loopback: this operator allows it  # fmt: skip


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    import json

    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    return path


# Fixtures that load the real models or start real servers: a test using one must carry the matching marks, so
# that `make test-fast` (-m "not slow and not integration and not browser and not llm") never pays for them.
REAL_FIXTURES = {
    "seed_bot": {"slow"},
    "trained_reader": {"slow"},
    "live_server": {"slow", "integration"},
    "chroma_server": {"slow", "integration"},
    "llm_bot": {"slow", "integration", "llm"},
}


def pytest_collection_modifyitems(config, items):
    wrong = []
    for item in items:
        marks = {m.name for m in item.iter_markers()}
        for fixture, needed in REAL_FIXTURES.items():
            if fixture in item.fixturenames and not needed <= marks:
                wrong.append(f"{item.nodeid} uses {fixture} but lacks the mark(s) {sorted(needed - marks)}")
    if wrong:
        raise pytest.UsageError("Wrong test marks:\n  " + "\n  ".join(wrong))
