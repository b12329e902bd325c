"""`qa-bot serve` as a real server process, asked through gradio_client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import SEED

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_over_http(tmp_path):
    index = tmp_path / "ix"
    subprocess.run(
        [sys.executable, "-m", "qa_bot", "ingest", str(SEED), "--index", str(index), "-q"], check=True
    )
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa_bot", "serve", "--index", str(index), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        else:
            pytest.fail("server did not start in 120 s")
        from gradio_client import Client

        client = Client(url, verbose=False)
        # gr.State is not part of the API: the endpoint takes (message, chat) and returns (textbox, chat)
        _, chat = client.predict("who denied the allegations?", [], api_name="/chat")
        content = chat[-1]["content"]  # Gradio 6 returns message content as a list of typed parts
        text = content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)
        assert "Iravani" in text
        assert "categorically denied" in text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
