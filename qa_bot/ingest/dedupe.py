"""Syndicated copies: the same story with tiny edits is stored once, with every source listed on it.

MinHash signatures (``datasketch``) over word 5-gram shingles of the canonical text, looked up in an LSH
index; a candidate counts as a copy when its estimated Jaccard similarity reaches the threshold
(``Settings.dedupe_threshold``, 0.85 by default; 0 switches detection off). Signatures are stored on the
document records (a few hundred bytes each), so the LSH index is rebuilt from the store, never recomputed
from text.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = ["NUM_PERM", "CopyFinder", "NearDuplicates", "decode_signature", "encode_signature", "signature"]

NUM_PERM = 128
SCHEME = "affine32"  # datasketch 2's 32-bit hash values: stored as 4 bytes each
SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


def _shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


@functools.lru_cache(maxsize=256)
def signature(text: str) -> Any:
    """The MinHash (``datasketch.LeanMinHash``) of ``text``'s word 5-gram shingles, case-insensitive.
    Remembered for the last texts: an ingest looks a new article up, then stores its signature."""
    from datasketch import LeanMinHash, MinHash

    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch(list(_shingles(text)))
    return LeanMinHash(m)


def encode_signature(m: Any) -> str:
    """A compact string for a metadata field (hash values fit in 32 bits)."""
    return base64.b64encode(np.asarray(m.hashvalues, dtype="<u4").tobytes()).decode("ascii")


def decode_signature(data: str) -> Any:
    from datasketch import LeanMinHash

    values = np.frombuffer(base64.b64decode(data), dtype="<u4").astype(np.uint32)
    if len(values) != NUM_PERM:
        raise ValueError(f"a signature has {NUM_PERM} values, this one {len(values)}")
    return LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)


class NearDuplicates:
    """An LSH index of document signatures: ``find(sig)`` is the stored document that ``sig`` copies."""

    def __init__(self, threshold: float) -> None:
        from datasketch import MinHashLSH

        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        # LSH finds candidates a little below the threshold; the Jaccard estimate then decides.
        self._lsh = MinHashLSH(threshold=max(0.5, threshold - 0.1), num_perm=NUM_PERM)
        self._sigs: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._sigs

    def add(self, doc_id: str, sig: Any) -> None:
        if doc_id not in self._sigs:
            self._lsh.insert(doc_id, sig)
            self._sigs[doc_id] = sig

    def remove(self, doc_id: str) -> None:
        if self._sigs.pop(doc_id, None) is not None:
            self._lsh.remove(doc_id)

    def find(self, sig: Any) -> tuple[str, float] | None:
        """The most similar stored document at or above the threshold, with its estimated Jaccard."""
        best: tuple[str, float] | None = None
        for doc_id in self._lsh.query(sig):
            score = float(sig.jaccard(self._sigs[doc_id]))
            if score >= self.threshold and (best is None or (score, doc_id) > (best[1], best[0])):
                best = (doc_id, score)
        return best


class CopyFinder:
    """Which article a new text is a syndicated copy of: the LSH index over the stored articles' signatures
    (built on first use from ``signatures()``, ``(doc_id, encoded minhash)`` pairs; a record without one is
    signed from ``text_of(doc_id)``), kept in step with the store by :meth:`added` and :meth:`removed`."""

    def __init__(
        self,
        threshold: float,
        signatures: Callable[[], Iterable[tuple[str, str]]],
        text_of: Callable[[str], str],
    ) -> None:
        self.threshold = threshold
        self._signatures = signatures
        self._text_of = text_of
        self._near: NearDuplicates | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.threshold > 0

    def _index(self) -> NearDuplicates:
        with self._lock:
            if self._near is None:
                near = NearDuplicates(self.threshold)
                for doc_id, encoded in self._signatures():
                    try:
                        near.add(doc_id, decode_signature(encoded))
                    except ValueError:  # a record written before signatures were stored
                        near.add(doc_id, signature(self._text_of(doc_id)))
                self._near = near
            return self._near

    def stored_copy(self, text: str) -> str | None:
        """The stored article ``text`` is a copy of, if any."""
        if not self.enabled:
            return None
        found = self._index().find(signature(text))
        return found[0] if found is not None else None

    def copy_of(self, text: str, pending: Iterable[tuple[str, str]] = ()) -> str | None:
        """The stored article, or else the first of ``pending`` ``(doc_id, text)`` about to be stored, that
        ``text`` is a syndicated copy of."""
        if not self.enabled:
            return None
        found = self.stored_copy(text)
        if found is not None:
            return found
        sig = signature(text)
        for doc_id, other in pending:
            if sig.jaccard(signature(other)) >= self.threshold:
                return doc_id
        return None

    def added(self, doc_id: str, text: str) -> None:
        if self._near is not None:
            self._near.add(doc_id, signature(text))

    def removed(self, doc_id: str) -> None:
        if self._near is not None:
            self._near.remove(doc_id)
