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
from typing import Any

import numpy as np

__all__ = ["NUM_PERM", "NearDuplicates", "decode_signature", "encode_signature", "signature"]

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
