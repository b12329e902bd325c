"""A separate process that ingests a JSONL feed with the test fakes, so the crash tests can SIGKILL it.

python -m tests.reliability.ingest_worker INDEX_DIR FEED.jsonl
"""

from __future__ import annotations

import sys
import time


def main(index_dir: str, feed: str) -> None:
    import spacy

    from qa_bot import QABot
    from tests.conftest import FakeEmbedder

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    bot = QABot(index_dir=index_dir, embedder=FakeEmbedder(), nlp=nlp)
    print("ready", flush=True)
    started = time.perf_counter()
    report = bot.ingest(feed)
    print("done", report.added_documents, f"{time.perf_counter() - started:.3f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
