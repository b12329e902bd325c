"""Shared pieces of the reliability suite: a fast bot on fakes, a misbehaving local web site."""

from __future__ import annotations

import http.server
import threading
import time

import pytest


@pytest.fixture
def fast_bot(tmp_path, fake_embedder, blank_nlp):
    """A real Chroma index on disk, with the hashing embedder and the model-free spaCy pipeline."""
    from qa_bot import QABot

    return QABot(index_dir=tmp_path / "ix", embedder=fake_embedder, nlp=blank_nlp, fetch_timeout=1.0)


class _Misbehaving(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/loop":
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


@pytest.fixture(scope="session")
def bad_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# (path on bad_site, what the message says)
BAD_URLS = [("/slow", "did not answer within"), ("/loop", "redirects too many times"),
            ("/missing", "HTTP 404"), ("/boom", "HTTP 500")]  # fmt: skip
