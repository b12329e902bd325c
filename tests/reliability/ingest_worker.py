"""A separate process that ingests a JSONL feed with the test fakes, so the crash tests can SIGKILL it.

python -m tests.reliability.ingest_worker INDEX_DIR FEED.jsonl [--pause-after chunks|documents:N]

With ``--pause-after chunks:N`` the worker stops right after the N-th write of chunk records to Chroma (that
batch's article records are not written yet); with ``documents:N`` right after the N-th write of article
records. It then prints ``paused`` and waits to be killed, so a test kills it at a point it chose, not at a
moment it guessed.
"""

from __future__ import annotations

import sys
import time


def main(index_dir: str, feed: str, pause_after: str | None = None) -> None:
    import spacy

    from qa_bot import QABot
    from tests.conftest import FakeEmbedder

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    bot = QABot(index_dir=index_dir, embedder=FakeEmbedder(), nlp=nlp)
    if pause_after:
        from chromadb.api.models.Collection import Collection

        from qa_bot.store.chroma import CHUNKS, DOCUMENTS

        kind, n = pause_after.split(":")
        name = {"chunks": CHUNKS, "documents": DOCUMENTS}[kind]
        write, calls = Collection.upsert, [0]

        def upsert(collection, *args, **kwargs):
            write(collection, *args, **kwargs)
            if collection.name == name:
                calls[0] += 1
                if calls[0] == int(n):
                    print("paused", flush=True)
                    time.sleep(3600)

        Collection.upsert = (
            upsert  # the crash is injected into Chroma's own client, not the store's internals
        )
    print("ready", flush=True)
    report = bot.ingest(feed)
    print("done", report.added_documents, flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    pause = args[args.index("--pause-after") + 1] if "--pause-after" in args else None
    main(args[0], args[1], pause)
