"""Cold starts for ``qa-bot bench``: fresh processes, timed from launch, next to their floors.

- ``qa-bot ask`` and ``qa_bot.answer()`` in a fresh process (the ONNX light path), and ``qa-bot ask`` with
  ``QA_BOT_RUNTIME=torch`` (PyTorch and sentence-transformers: the path before the light one);
- the floor: a fresh process that imports only the runtime answering needs (onnxruntime, tokenizers, chromadb),
  loads the two exported networks and runs one query (embed, one Chroma query, read the four nearest chunks) —
  no qa-bot code; and the library floor: the same plus importing the libraries qa-bot's question path still
  uses (bm25s, pydantic-settings, click; langchain-core no longer: only ``bot.chain`` imports it);
- ``qa-bot serve``: launch to the health check answering, and to the first answer through the page's API; its
  floor: a fresh process that only imports the libraries the page runs on (Gradio, FastAPI, uvicorn, chromadb,
  onnxruntime, tokenizers).

Each is the best of ``repeats`` runs; wall time and peak RSS (``os.wait4``) are taken by a small launcher
process, so the bench's own memory is not counted in the child's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["FLOOR_SCRIPT", "SERVE_FLOOR_SCRIPT", "cold_start"]

#: The serve floor: only importing what the served page runs on (no app built, no model loaded, nothing served).
SERVE_FLOOR_SCRIPT = "import gradio, fastapi, uvicorn, chromadb, onnxruntime, tokenizers"

FLOOR_SCRIPT = """
import sys
import numpy as np, onnxruntime as ort, chromadb
from tokenizers import Tokenizer
embedder_file, reader_file, base, index, question, libraries = sys.argv[1:7]
if libraries == "1":
    import click, bm25s, pydantic_settings
def session(path):
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])
embedder, reader = session(embedder_file), session(reader_file)
tok = Tokenizer.from_file(base + "/tokenizer.json")
tok.no_padding()
tok.enable_truncation(256)
e = tok.encode(question)
vector = embedder.run(None, {"input_ids": np.array([e.ids]), "attention_mask": np.array([e.attention_mask]),
                             "token_type_ids": np.array([e.type_ids])})[0][0]
chunks = chromadb.PersistentClient(path=index).get_collection("qa_bot_chunks")
texts = chunks.query(query_embeddings=[vector.tolist()], n_results=4)["documents"][0]
tok.enable_truncation(256, stride=48, strategy="only_second")
windows = [w for e in tok.encode_batch([(question, t) for t in texts]) for w in [e, *e.overflowing]]
width = max(len(w.ids) for w in windows)
def grid(rows):
    return np.array([r + [0] * (width - len(r)) for r in rows], dtype=np.int64)
reader.run(None, {"input_ids": grid([w.ids for w in windows]), "token_type_ids": grid([w.type_ids for w in windows]),
                  "attention_mask": grid([w.attention_mask for w in windows])})
"""


#: Runs a command and reports its wall seconds and peak RSS. The command is started from this small process, not
#: from the bench (a child forked from a process holding 2 GB reports that as its own peak, exec or not).
_LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - started
sys.stderr.write(f"\\nCOLD {wall} {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process run to its end (timed by a small launcher)."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *cmd], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed ({done.returncode}): {done.stderr[-2000:]}")
    line = done.stderr.rstrip().rsplit("\n", 1)[-1].split()
    return float(line[1]), int(line[2]) / 1024


def _best(cmd: list[str], env: dict[str, str], repeats: int) -> dict[str, float]:
    runs = [_run(cmd, env) for _ in range(repeats)]
    return {"s": min(w for w, _ in runs), "rss_mb": max(m for _, m in runs)}


def _serve(index_dir: Path, article: Path, env: dict[str, str], question: str) -> dict[str, float]:
    """``qa-bot serve --ingest ARTICLE`` (what ``make run`` starts): seconds to /healthz and to the first answer."""
    from gradio_client import Client  # imported before the clock starts: the client is not the server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "qa_bot", "serve", "--index", str(index_dir), "--ingest", str(article),
           "--port", str(port)]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None or time.perf_counter() - started > 300:
                raise RuntimeError(f"qa-bot serve did not start (exit {proc.returncode})")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        up = time.perf_counter() - started
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        client.predict(question, None, api_name="/ask")
        first = time.perf_counter() - started
        client.close()  # its heartbeat stream would hold the server's graceful shutdown open
        return {"up_s": up, "first_answer_s": first}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cold_start(
    index_dir: Path, article: Path, question: str, cache: Path, repeats: int = 3
) -> dict[str, Any]:
    """Every cold-start figure (see the module docstring) on an index holding ``article``; qa_bot's bytecode is
    written first, as ``make install`` and ``make run`` do."""
    import compileall

    import qa_bot
    from qa_bot.answering.model_io import reader_sources
    from qa_bot.answering.reader import TrainedReader
    from qa_bot.models import embedder_sources, embedding_model_path
    from qa_bot.runtime import cached_path

    compileall.compile_dir(Path(qa_bot.__file__).parent, quiet=1)

    py = sys.executable
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "QA_BOT_INDEX_DIR": str(index_dir),
    }
    ask = [py, "-m", "qa_bot", "ask", question, "--index", str(index_dir)]
    files = [
        cached_path("embedder", embedder_sources(), cache),
        cached_path("reader", reader_sources(), cache) and TrainedReader(cache_dir=cache).warm_up().onnx_path,
    ]  # the reader's graph the bot loads (int8 where its ranges are fitted)
    if not all(files):
        raise RuntimeError(f"the networks are not exported into {cache} (run `qa-bot prepare`)")
    floor = [py, "-c", FLOOR_SCRIPT, *map(str, files), str(embedding_model_path()), str(index_dir), question]
    serves = [_serve(index_dir, article, env, question) for _ in range(repeats)]
    return {
        "ask": _best(ask, env, repeats),
        "answer": _best([py, "-c", f"from qa_bot import answer; answer({question!r})"], env, repeats),
        "torch_ask": _best(ask, {**env, "QA_BOT_RUNTIME": "torch"}, repeats),
        "floor": _best([*floor, "0"], env, repeats),
        "library_floor": _best([*floor, "1"], env, repeats),
        "serve_up_s": min(s["up_s"] for s in serves),
        "serve_first_answer_s": min(s["first_answer_s"] for s in serves),
        "serve_floor": _best([py, "-c", SERVE_FLOOR_SCRIPT], env, repeats),
        "import_qa_bot_s": _best([py, "-c", "import qa_bot"], env, repeats)["s"],
        "python_s": _best([py, "-c", "pass"], env, repeats)["s"],
    }
