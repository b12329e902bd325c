"""``qa-bot bench``: measured numbers next to their floors, all taken in the same run (a script, not a test).

- latency: warm ``ask`` on the seed article vs the floor = embedding the question + one Chroma query + the
  reader's bare forward pass over the same windows the ask read (tokenised beforehand);
- ingest: ingesting a corpus vs raw ``model.encode`` of the very same chunks;
- scaling: indexes of N chunks (real text: the corpus' chunks repeated with variations; their vectors are the
  base chunk's plus a little noise, so the model is not re-run and the run measures the store and answer path),
  warm ``ask`` p50/p95 and the floor at each size, insert time, peak RSS;
- cold start (:mod:`qa_bot.dev.coldstart`): ``qa-bot ask``, ``answer()`` and ``qa-bot serve`` in new processes vs
  a bare process loading the same two networks and running one query; the PyTorch path beside them.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa_bot.config import SEED_ARTICLE

if TYPE_CHECKING:
    from spacy.language import Language

    from qa_bot.bot import QABot
    from qa_bot.models import Embedder
    from qa_bot.store import Store
    from qa_bot.types import Chunk

__all__ = ["FOLLOW_UPS", "QUESTIONS", "run_bench"]

QUESTIONS = (
    "Who denied the allegations?",
    "What did Amir Saeid Iravani call the allegations?",
    "How many hostages were captured in the attack?",
    "Who conducted the training?",
    "Where did Iranian security officials approve the assault?",
    "Which newspaper reported the training?",
    "How many terrorists traveled to Iran?",
    "Who is the leader of the Quds Force?",
    "Who won the 2022 World Cup?",
    "When was the attack on Israel?",
)
# follow-up turns: (earlier question, follow-up), each asked with the bot's own answer to the first as history
FOLLOW_UPS = (
    ("Who denied the allegations?", "What did he call them?"),
    ("Who conducted the training?", "Where?"),
    ("Who was present during the training sessions?", "Which force does he lead?"),
    ("How many terrorists traveled to Iran?", "Weeks before what?"),
    ("Who held talks with Emmanuel Macron?", "How did he describe the situation?"),
    ("Which newspaper reported the training?", "Did Iran admit to planning the attack?"),
)


def _pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q * 100)) if values else float("nan")


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _asked(bot: QABot, question: str, history: Sequence[tuple[str, str]] = ()) -> float:
    """ms of ``bot.ask``, the question embedded anew (as its floor embeds it, and as a new question is) and a
    follow-up's conversation parsed anew: the embedder's remembered vectors and the remembered parses are
    forgotten first."""
    from qa_bot.conversation import RememberedParses

    forget = getattr(bot.embedder, "forget", None)
    if forget is not None:
        forget()
    if history:
        RememberedParses.of(bot.nlp).forget()
    return _timed(lambda: bot.ask(question, list(history) or None))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def answer_floor(bot: QABot, question: str) -> Callable[[], None]:
    """The bare work of answering ``question``, for timing next to ``bot.ask``: embed it (uncached), one Chroma
    query, and the reader's forward pass over the windows its reading reads (tokenised now)."""
    reader = bot.answerer.reader
    windows = reader.encode(question, [p.chunk.text for p in bot.analyze(question).passages])  # type: ignore[attr-defined]
    embed = getattr(bot.embedder, "embed_query", None) or (lambda q: bot.embedder.embed([q])[0])
    k = bot.settings.k

    def work() -> None:
        bot.store.dense_search(embed(question), k)
        reader.forward(windows)  # type: ignore[attr-defined]

    return work


def _latency(
    bot: QABot, repeats: int, floor: Callable[[QABot, str], Callable[[], None]] = answer_floor
) -> dict[str, float]:
    """Warm answer latency and its floor (embed the question + one Chroma query + the reader's forward pass over
    the windows that question's ask reads), interleaved. Warm: models loaded, the lexical index built; every
    question is embedded and read anew each time (:func:`_asked`)."""
    floors_of = {}
    for q in QUESTIONS:  # warm: models, lexical index, caches; the windows each question reads
        bot.ask(q)
        floors_of[q] = floor(bot, q)
    asks, floors = [], []
    for _ in range(repeats):
        for q in QUESTIONS:
            floors.append(_timed(floors_of[q]))
            asks.append(_asked(bot, q))
    return {
        "p50_ms": _pct(asks, 0.5),
        "p95_ms": _pct(asks, 0.95),
        "floor_p50_ms": _pct(floors, 0.5),
        "floor_p95_ms": _pct(floors, 0.95),
        "ratio_p50": _pct(asks, 0.5) / _pct(floors, 0.5),
        "n": len(asks),
    }


def _followup_latency(bot: QABot, repeats: int) -> dict[str, float]:
    """Warm latency of a follow-up turn (rewrite, retrieval of the question and of the last answer's passage, the
    reader over the question with its history), taken in turns with the first question it follows: the first
    turns' own p50 / p95 from the same rounds, and the median ratio of each follow-up to the first turn timed just
    before it, so that the machine's drift (by 1.5x within an hour here) falls out of the ratio."""
    histories = {f: (q, [(q, bot.ask(q).text)]) for q, f in FOLLOW_UPS}
    for f, (_, h) in histories.items():  # warm
        bot.ask(f, h)
    firsts, turns = [], []
    for _ in range(repeats):
        for f, (q, h) in histories.items():
            firsts.append(_asked(bot, q))
            turns.append(_asked(bot, f, h))
    return {
        "p50_ms": _pct(turns, 0.5),
        "p95_ms": _pct(turns, 0.95),
        "first_p50_ms": _pct(firsts, 0.5),
        "first_p95_ms": _pct(firsts, 0.95),
        "ratio_p50": float(np.median(np.asarray(turns) / np.asarray(firsts))),
        "n": len(turns),
    }


def load_corpus(path: Path | None) -> list[tuple[str, str]]:
    """(title, text) articles: a SQuAD-format JSON file, a directory of .txt/.md, or the seed article."""
    from qa_bot.dev.evaluate import load_dataset

    if path is None:
        shared = Path(__file__).resolve().parents[3] / "shared" / "data"  # ../shared beside the repository
        files = [shared / "squad2_dev_2articles.json", shared / "news_dev.json"]
        found = [f for f in files if f.exists()]
        if not found:
            return [("Seed", SEED_ARTICLE.read_text("utf-8"))]
        return [(a.title, a.text) for f in found for a in load_dataset(f)]
    if path.is_dir():
        return [
            (p.stem, p.read_text("utf-8")) for p in sorted(path.rglob("*")) if p.suffix in {".txt", ".md"}
        ]
    return [(a.title, a.text) for a in load_dataset(path)]


def _ingest(
    nlp: Language, embedder: Embedder, corpus: list[tuple[str, str]], workdir: Path
) -> tuple[dict, list]:
    """Ingest the corpus into a fresh index vs raw encode of the same chunks."""
    from qa_bot.bot import QABot
    from qa_bot.ingest import chunk_document, make_document

    bot = QABot(index_dir=workdir / "ingest", embedder=embedder, nlp=nlp)
    docs = [make_document(text, title=title) for title, text in corpus]
    started = time.perf_counter()
    report = bot.ingest_documents(docs)
    ingest_s = time.perf_counter() - started
    chunks = [
        c
        for d in docs
        for c in chunk_document(
            d,
            bot.split_sentences(d.text),
            max_chars=bot.settings.chunk_max_chars,
            overlap=bot.settings.chunk_overlap_sentences,
        )
    ]
    started = time.perf_counter()
    vectors = embedder.embed([c.text for c in chunks])
    encode_s = time.perf_counter() - started
    plain = QABot(index_dir=workdir / "ingest-plain", embedder=embedder, nlp=nlp, find_statements=False)
    started = time.perf_counter()
    plain.ingest_documents(docs)  # without who said what: the part of ingest that runs spaCy's parser
    plain_s = time.perf_counter() - started
    return {
        "articles": len(docs),
        "chunks": report.added_chunks,
        "ingest_s": ingest_s,
        "encode_s": encode_s,
        "ratio": ingest_s / encode_s,
        "ingest_without_statements_s": plain_s,
        "statements_share": ingest_s / plain_s - 1,
    }, list(zip(chunks, vectors, strict=True))


def _scaled_index(store: Store, base: list[tuple[Chunk, np.ndarray]], size: int, seed: int = 0) -> float:
    """Fill ``store`` with ``size`` chunks: variations of the base chunks, 10 per document; seconds taken."""
    from qa_bot.store import StoredArticle
    from qa_bot.types import Chunk, Document

    rng = np.random.default_rng(seed)
    items = []
    started = time.perf_counter()
    for d in range((size + 9) // 10):
        parts, vecs = [], []
        for j in range(min(10, size - d * 10)):
            chunk, vec = base[(d * 10 + j) % len(base)]
            parts.append(f"[{d}.{j}] {chunk.text}")  # the same story again, marked: a distinct chunk
            noisy = vec + rng.normal(0, 0.02, vec.shape).astype(np.float32)
            vecs.append(noisy / np.linalg.norm(noisy))
        text = "\n".join(parts)
        doc_id = hashlib.sha1(text.encode()).hexdigest()[:16]
        chunks, pos = [], 0
        for j, part in enumerate(parts):
            chunks.append(Chunk(f"{doc_id}-{j}", doc_id, f"Wire copy {d}", pos, pos + len(part), part))
            pos += len(part) + 1
        items.append(StoredArticle(Document(doc_id, f"Wire copy {d}", text, f"bench:{d}"), chunks, vecs))
        if len(items) >= 500:
            store.upsert_many(items)
            items = []
    if items:
        store.upsert_many(items)
    return time.perf_counter() - started


def run_bench(
    sizes: Sequence[int] = (1_000, 10_000, 100_000),
    repeats: int = 5,
    corpus: Path | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> dict[str, Any]:
    """Every measurement; see the module docstring."""
    from qa_bot.bot import QABot
    from qa_bot.models import get_embedder, get_nlp

    embedder, nlp = get_embedder(), get_nlp()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    with tempfile.TemporaryDirectory(prefix="qa-bot-bench-") as tmp:
        work = Path(tmp)
        log("latency on the seed article")
        seed = QABot(index_dir=work / "seed", embedder=embedder, nlp=nlp)
        seed.ingest(SEED_ARTICLE)
        results["latency"] = _latency(seed, repeats)
        results["followup_latency"] = _followup_latency(seed, repeats)

        log("ingest vs raw encode")
        results["ingest"], base = _ingest(nlp, embedder, load_corpus(corpus), work)

        results["scaling"] = []
        for size in sizes:
            log(f"scaling: {size:,} chunks")
            bot = QABot(index_dir=work / f"scale-{size}", embedder=embedder, nlp=nlp)
            bot.ingest(SEED_ARTICLE)  # the questions' article, among the copies
            insert_s = _scaled_index(bot.store, base, size)
            build_ms = _timed(bot.store.lexical_index)
            row = {"chunks": bot.store.count(), "insert_s": insert_s, "lexical_build_ms": build_ms}
            row.update(_latency(bot, max(1, repeats // 2)))
            row["peak_rss_mb"] = _peak_rss_mb()
            results["scaling"].append(row)

        log("cold start")
        from qa_bot.dev.coldstart import cold_start
        from qa_bot.runtime import cache_dir

        cache = cache_dir(seed.settings.model_cache_dir)
        results["cold_start"] = cold_start(work / "seed", SEED_ARTICLE, QUESTIONS[0], cache)
    results["peak_rss_mb"] = _peak_rss_mb()
    return results


def summary_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(measurement, value, floor, ratio) rows for the printed table."""
    lat, fol, ing, cold = r["latency"], r["followup_latency"], r["ingest"], r["cold_start"]
    rows = [
        ("warm ask p50 / p95 (seed)", f"{lat['p50_ms']:.1f} / {lat['p95_ms']:.1f} ms",
         f"{lat['floor_p50_ms']:.1f} / {lat['floor_p95_ms']:.1f} ms", f"{lat['ratio_p50']:.2f}x"),
        ("warm follow-up turn p50 / p95 (seed)", f"{fol['p50_ms']:.1f} / {fol['p95_ms']:.1f} ms",
         f"{fol['first_p50_ms']:.1f} / {fol['first_p95_ms']:.1f} ms its first turn", f"{fol['ratio_p50']:.2f}x"),
        (f"ingest {ing['articles']} articles, {ing['chunks']} chunks", f"{ing['ingest_s']:.2f} s",
         f"{ing['encode_s']:.2f} s encode", f"{ing['ratio']:.2f}x"),
        ("  ingest without who said what", f"{ing['ingest_without_statements_s']:.2f} s", "",
         f"statements +{ing['statements_share']:.0%}"),
    ]  # fmt: skip
    for s in r["scaling"]:
        rows.append((
            f"{s['chunks']:,} chunks: ask p50 / p95", f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f} ms",
            f"{s['floor_p50_ms']:.1f} / {s['floor_p95_ms']:.1f} ms", f"{s['ratio_p50']:.2f}x",
        ))  # fmt: skip
        rows.append((f"{s['chunks']:,} chunks: insert / BM25 build / peak RSS",
                     f"{s['insert_s']:.1f} s / {s['lexical_build_ms'] / 1000:.1f} s / {s['peak_rss_mb']:.0f} MB",
                     "", ""))  # fmt: skip
    floor, lib = cold["floor"], cold["library_floor"]
    for name, key in (("cold qa-bot ask", "ask"), ("cold answer() in a new process", "answer"),
                      ("cold qa-bot ask, runtime torch", "torch_ask")):  # fmt: skip
        rows.append(
            (
                f"{name} (peak RSS)",
                f"{cold[key]['s']:.2f} s ({cold[key]['rss_mb']:.0f} MB)",
                f"{floor['s']:.2f} s floor ({floor['rss_mb']:.0f} MB)",
                f"{cold[key]['s'] / floor['s']:.2f}x",
            )
        )
    rows.append(("cold floor + the path's libraries", f"{lib['s']:.2f} s", f"{floor['s']:.2f} s floor",
                 f"{lib['s'] / floor['s']:.2f}x"))  # fmt: skip
    serve_floor = cold["serve_floor"]["s"]
    rows.append(("qa-bot serve --ingest seed: up / first answer",
                 f"{cold['serve_up_s']:.2f} / {cold['serve_first_answer_s']:.2f} s",
                 f"{serve_floor:.2f} s importing the server's libraries",
                 f"{cold['serve_first_answer_s'] / serve_floor:.2f}x"))  # fmt: skip
    rows.append(("import qa_bot", f"{cold['import_qa_bot_s']:.2f} s", f"{cold['python_s']:.2f} s python", ""))
    return rows


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
