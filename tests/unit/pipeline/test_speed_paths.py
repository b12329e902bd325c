"""The caches on the answer path (what makes warm latency close to its floor) and the bench's table (no models)."""

from __future__ import annotations

import numpy as np


class CountingModel:
    """A stand-in SentenceTransformer that records every batch it encodes."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def get_embedding_dimension(self) -> int:
        return 3

    def encode(self, texts, **_kwargs):
        self.batches.append(list(texts))
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)


def test_embedder_remembers_only_the_last_few_texts():
    from qa_bot.models import Embedder

    model = CountingModel()
    e = Embedder(model, cache_size=4)
    assert e.embed_one("who won?")[0] == len("who won?")
    assert model.batches == [["who won?"]]
    assert e.embed_one("who won?")[0] == len("who won?") and len(model.batches) == 1  # remembered
    for i in range(4):
        e.embed_one(f"q{i}")
    e.embed_one("who won?")  # pushed out by newer ones: embedded again
    assert model.batches[-1] == ["who won?"]
    assert len(e.embed(["x", "x"])) == 2 and model.batches[-1] == ["x", "x"]  # embed() is never cached
    e.embed_one("q3")
    calls = len(model.batches)
    e.forget()
    e.embed_one("q3")  # remembered a moment ago, forgotten: embedded again
    assert len(model.batches) == calls + 1


def test_bench_table_puts_each_number_next_to_its_floor():
    from qa_bot.dev.bench import summary_rows

    results = {
        "latency": {"p50_ms": 30.0, "p95_ms": 40.0, "floor_p50_ms": 20.0, "floor_p95_ms": 25.0, "ratio_p50": 1.5},
        "followup_latency": {"p50_ms": 45.0, "p95_ms": 60.0, "first_p50_ms": 35.0, "first_p95_ms": 50.0,
                             "ratio_p50": 1.25, "n": 30},
        "ingest": {"articles": 5, "chunks": 150, "ingest_s": 6.0, "encode_s": 5.0, "ratio": 1.2,
                   "ingest_without_statements_s": 5.0, "statements_share": 0.2},
        "scaling": [{"chunks": 100_010, "p50_ms": 50.0, "p95_ms": 80.0, "floor_p50_ms": 25.0,
                     "floor_p95_ms": 30.0, "ratio_p50": 2.0, "insert_s": 90.0, "lexical_build_ms": 12_000.0,
                     "peak_rss_mb": 2048.0}],
        "cold_start": {"ask": {"s": 2.0, "rss_mb": 400.0}, "answer": {"s": 1.9, "rss_mb": 390.0},
                       "torch_ask": {"s": 8.0, "rss_mb": 700.0}, "floor": {"s": 1.25, "rss_mb": 350.0},
                       "library_floor": {"s": 1.75, "rss_mb": 380.0}, "serve_up_s": 5.0,
                       "serve_first_answer_s": 5.5, "serve_floor": {"s": 4.4, "rss_mb": 300.0},
                       "import_qa_bot_s": 0.05, "python_s": 0.02},
    }  # fmt: skip
    rows = {r[0]: r[1:] for r in summary_rows(results)}
    assert rows["warm ask p50 / p95 (seed)"] == ("30.0 / 40.0 ms", "20.0 / 25.0 ms", "1.50x")
    assert rows["warm follow-up turn p50 / p95 (seed)"] == (
        "45.0 / 60.0 ms",
        "35.0 / 50.0 ms its first turn",
        "1.25x",
    )
    assert rows["100,010 chunks: ask p50 / p95"][2] == "2.00x"
    assert rows["100,010 chunks: insert / BM25 build / peak RSS"][0] == "90.0 s / 12.0 s / 2048 MB"
    assert rows["cold qa-bot ask (peak RSS)"] == ("2.00 s (400 MB)", "1.25 s floor (350 MB)", "1.60x")
    assert rows["cold qa-bot ask, runtime torch (peak RSS)"][2] == "6.40x"
    assert rows["cold floor + the path's libraries"] == ("1.75 s", "1.25 s floor", "1.40x")
    assert rows["qa-bot serve --ingest seed: up / first answer"] == (
        "5.00 / 5.50 s",
        "4.40 s importing the server's libraries",
        "1.25x",
    )
    assert rows["  ingest without who said what"] == ("5.00 s", "", "statements +20%")


def test_embed_one_is_safe_when_many_threads_push_each_other_out():
    from concurrent.futures import ThreadPoolExecutor

    from qa_bot.models import Embedder

    e = Embedder(CountingModel())
    texts = [f"question number {i} " + "a" * (i % 7) for i in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(e.embed_one, texts))
    assert [(v[0], v[1]) for v in got] == [(len(t), t.count("a")) for t in texts]


def test_cold_start_memory_is_the_childs_own_not_the_benchs():
    """A child forked from a process holding memory reports that memory as its own peak; the launcher does not."""
    import os
    import sys

    from qa_bot.dev.coldstart import _run

    held = bytearray(400 * 1024 * 1024)  # the bench holds indexes in memory
    held[::4096] = b"x" * len(held[::4096])
    wall, rss_mb = _run([sys.executable, "-c", "pass"], dict(os.environ))
    assert rss_mb < 100 and 0 < wall < 10
    _, big_mb = _run([sys.executable, "-c", "x = bytearray(200 * 1024 * 1024)"], dict(os.environ))
    assert big_mb > 200
    del held


def test_bench_asks_each_question_embedded_anew_and_follow_ups_beside_their_first_turns():
    """The timed asks forget remembered question vectors first (their floor embeds anew too), a follow-up's
    remembered parses too, and each follow-up is timed right after the first question it follows."""
    from types import SimpleNamespace

    from qa_bot.conversation import RememberedParses
    from qa_bot.dev.bench import FOLLOW_UPS, QUESTIONS, _followup_latency, _latency

    events = []

    def nlp(text):
        events.append(("parse", text))
        return text

    class Bot:
        embedder = SimpleNamespace(forget=lambda: events.append("forget"))

        def __init__(self):
            self.nlp = nlp

        def ask(self, question, history=None):
            if history:  # a follow-up is parsed (through the memory its rewrite keeps)
                RememberedParses.of(self.nlp)(question)
            events.append(("ask", question, bool(history)))
            return SimpleNamespace(text="an answer")

        def floor(self, question):
            return lambda: events.append(("floor", question))

    lat = _latency(Bot(), repeats=1, floor=lambda bot, question: bot.floor(question))
    assert lat["n"] == len(QUESTIONS)
    assert events[-3:] == [("floor", QUESTIONS[-1]), "forget", ("ask", QUESTIONS[-1], False)]
    events.clear()
    fol = _followup_latency(Bot(), repeats=2)
    assert fol["n"] == 2 * len(FOLLOW_UPS) and fol["ratio_p50"] > 0
    rounds = events[3 * len(FOLLOW_UPS) :]  # after each first question asked once and each follow-up warmed
    q, f = FOLLOW_UPS[0]
    assert rounds[:5] == ["forget", ("ask", q, False), "forget", ("parse", f), ("ask", f, True)]
    assert events.count(("parse", f)) == 3  # warmed, then parsed anew in each of the 2 rounds
