"""Lexical search: BM25 (``bm25s``) over chunk texts, kept fresh against the Chroma collection it mirrors.

:class:`LexicalIndex` is the BM25 index itself. :class:`LexicalCache` decides when it must be rebuilt: it is
saved beside the Chroma files (``lexical/``) with a stamp of the collection it was built from, reloaded when
the stamp matches, and rebuilt from the chunks when another process changed the collection (seen by the index
files changing, then the chunk count) — never per query.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa_bot.store.records import entities_from_lists
from qa_bot.text import bm25s_module, tokenize
from qa_bot.types import Chunk

__all__ = ["LexicalCache", "LexicalIndex"]

log = logging.getLogger(__name__)
_LETTERS = re.compile(r"[^\W\d_]+")


class LexicalIndex:
    """BM25 (``bm25s``) over chunk texts (English stems, stop words dropped: :func:`qa_bot.text.tokenize`)."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        _built: tuple[Any, dict[str, int]] | None = None,
        _words: Sequence[str] | None = None,
    ) -> None:
        bm25s = bm25s_module()
        self.chunks = list(chunks)
        self.doc_ids = frozenset(c.doc_id for c in self.chunks)  # the articles that have chunks
        self._bm25 = None
        self._vocab: dict[str, int] = {}
        self._words: frozenset[str] | None = None if _words is None else frozenset(_words)
        if _built is not None:
            self._bm25, self._vocab = _built
        elif self.chunks:
            self._words = _written(self.chunks)
            corpus = [tokenize(c.text) or ["\x00"] for c in self.chunks]
            self._bm25 = bm25s.BM25(csc_backend="numpy")  # SciPy's backend builds the same matrix
            ids = [[self._vocab.setdefault(t, len(self._vocab)) for t in doc] for doc in corpus]
            self._bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self._vocab), show_progress=False)

    def save(self, directory: Path, stamp: str) -> None:
        """Write the index (atomically: a temp dir renamed into place)."""
        import shutil
        import tempfile

        if self._bm25 is None:
            return
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".lexical-", dir=directory.parent))
        try:
            self._bm25.save(str(tmp / "bm25"), show_progress=False)
            meta = {
                "stamp": stamp,
                "vocab": self._vocab,
                "words": sorted(self.words),
                "chunks": [
                    [c.chunk_id, c.doc_id, c.title, c.start, c.end, c.text, c.sentences, c.entities]
                    for c in self.chunks
                ],
            }
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
            old = directory.with_name(directory.name + ".old")
            if directory.exists():
                directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # a read-only index still answers; it just rebuilds in memory next time
            log.warning("Could not save the lexical index: %s", exc)
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, stamp: str) -> LexicalIndex | None:
        """The saved index if it was built from the collection ``stamp`` describes, else ``None``."""
        bm25s = bm25s_module()
        try:
            meta = json.loads((directory / "meta.json").read_text("utf-8"))
            if meta.get("stamp") != stamp:
                return None
            bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False)
        except (OSError, ValueError, KeyError):
            return None
        chunks = [  # an index saved before chunks kept their sentences has six fields, their entities seven
            Chunk(i, d, t, int(s), int(e), x, tuple((int(a), int(b)) for a, b in (rest[0] if rest else ())),
                  entities_from_lists(rest[1] if len(rest) > 1 else None))
            for i, d, t, s, e, x, *rest in meta["chunks"]
        ]  # fmt: skip
        # an index saved before the words were: they are made anew from the chunks when first asked for
        return cls(chunks, _built=(bm25, meta["vocab"]), _words=meta.get("words"))

    def knows(self, word: str) -> bool:
        """Whether ``word`` is written in the chunk texts, as far as their stems tell ("testify" where "testified"
        is): what a question's spelling is checked against (:mod:`qa_bot.conversation.spelling`)."""
        stems = tokenize(word)
        return bool(stems) and all(t in self._vocab for t in stems)

    @property
    def words(self) -> frozenset[str]:
        """Every word of the chunk texts as written (letters only, lowercased): what a misspelt word may be mended
        to ("younis"; :meth:`knows`, by the stem, would take "hezbollahant" for "hezbollah"). Made with the index
        and saved with it."""
        if self._words is None:
            self._words = _written(self.chunks)
        return self._words

    def search(
        self, query: str, n: int, allowed: Callable[[Chunk], bool] | None = None
    ) -> list[tuple[Chunk, float]]:
        if self._bm25 is None:
            return []
        tokens = [self._vocab[t] for t in tokenize(query) if t in self._vocab]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        order = (-scores).argsort(kind="stable")  # best first; on a tie, the earlier text
        out: list[tuple[Chunk, float]] = []
        for i in order:
            if scores[i] <= 0 or len(out) >= n:
                break
            chunk = self.chunks[int(i)]
            if allowed is None or allowed(chunk):
                out.append((chunk, float(scores[i])))
        return out


def _written(chunks: Sequence[Chunk]) -> frozenset[str]:
    return frozenset(w for c in chunks for w in _LETTERS.findall(c.text.lower()))


class LexicalCache:
    """The current :class:`LexicalIndex` of a chunk collection.

    ``chunks()`` lists the collection, ``count()`` counts it and ``stamp()`` describes it in a few bytes;
    ``directory`` (``None`` for a Chroma server) is where the index is saved and ``files`` the files any
    process's write changes.
    """

    def __init__(
        self,
        chunks: Callable[[], list[Chunk]],
        count: Callable[[], int],
        stamp: Callable[[], str],
        directory: Path | None = None,
        files: Sequence[Path] = (),
    ) -> None:
        self._chunks, self._count, self._stamp = chunks, count, stamp
        self.directory = directory
        self.files = list(files)
        self._index: LexicalIndex | None = None
        self._seen: list[Any] = []
        self._lock = threading.RLock()

    def invalidate(self) -> None:
        """This process changed the collection."""
        with self._lock:
            self._index = None

    def refresh(self) -> None:
        """This process changed chunk records in place (the collection's stamp unchanged): rebuild the index now
        and save it over the old one."""
        with self._lock:
            index = LexicalIndex(self._chunks())
            if self.directory is not None:
                index.save(self.directory / "lexical", self._stamp())
            self._index = index

    def get(self) -> LexicalIndex:
        """The index, rebuilt first when another process changed the collection."""
        with self._lock:
            if self._index is not None and self._files_changed() and len(self._index.chunks) != self._count():
                self._index = None
            if self._index is None:
                stamp = self._stamp()
                saved = self.directory / "lexical" if self.directory is not None else None
                index = LexicalIndex.load(saved, stamp) if saved is not None else None
                if index is None:
                    index = LexicalIndex(self._chunks())
                    if saved is not None:
                        index.save(saved, stamp)
                self._index = index
            return self._index

    def _files_changed(self) -> bool:
        """Whether the index files changed since the last look; always true without files (a server)."""
        if not self.files:
            return True
        seen = []
        for path in self.files:
            try:
                st = path.stat()
                seen.append((st.st_mtime_ns, st.st_size))
            except OSError:
                seen.append(None)
        changed = seen != self._seen
        self._seen = seen
        return changed
