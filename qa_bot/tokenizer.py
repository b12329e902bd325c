"""WordPiece tokenization for the two networks, with the ``tokenizers`` library alone (no transformers import).

Both the embedding model and the reader use the base model's ``tokenizer.json`` (uncased BERT WordPiece). This
module gives them what transformers' fast tokenizer gave, token for token (``tests/unit/foundation/
test_tokenizer.py`` compares the two): single texts truncated for the embedder, and question/passage pairs cut into
overlapping windows with character offsets for the reader. Thread-safe: the Rust tokenizer is configured per call,
under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PairWindows", "WordPieces"]


@dataclass(frozen=True)
class PairWindows:
    """Windows of (first, second) text pairs, padded to the longest: ids, token types and mask (int64,
    ``[windows, tokens]``); per window, each token's character offsets in its second text (``None`` for the first
    text, special tokens and padding); and which pair each window came from."""

    input_ids: np.ndarray
    token_type_ids: np.ndarray
    attention_mask: np.ndarray
    offsets: list[list[tuple[int, int] | None]]
    owner: list[int]


class WordPieces:
    """A ``tokenizers.Tokenizer`` loaded from ``tokenizer.json`` (a file, or a directory holding one)."""

    def __init__(self, path: str | Path) -> None:
        from tokenizers import Tokenizer

        file = Path(path)
        if file.is_dir():
            file = file / "tokenizer.json"
        self._tok = Tokenizer.from_file(str(file))
        self._tok.no_truncation()  # the file's own settings (truncation at 128, fixed padding) are never wanted
        self._tok.no_padding()
        self._lock = threading.Lock()
        self.pad_id = self._tok.token_to_id("[PAD]") or 0

    def tokenize(self, text: str) -> list[str]:
        """Word pieces of ``text`` (no special tokens)."""
        with self._lock:
            return self._tok.encode(text, add_special_tokens=False).tokens

    def convert_tokens_to_string(self, tokens: Sequence[str]) -> str:
        """Word pieces joined back into text (the WordPiece decoder with its clean-up)."""
        return str(self._tok.decoder.decode(list(tokens)))

    def convert_ids_to_tokens(self, token_id: int) -> str:
        return str(self._tok.id_to_token(int(token_id)))

    def decode(self, ids: Sequence[int]) -> str:
        """Token ids back into text (special tokens kept)."""
        return str(self._tok.decode([int(i) for i in ids], skip_special_tokens=False))

    def encode_texts(self, texts: Sequence[str], max_length: int) -> dict[str, np.ndarray]:
        """Ids, token types and mask of each text (truncated to ``max_length``, padded to the longest)."""
        with self._lock, self._configured(max_length, 0, "longest_first"):
            encodings = self._tok.encode_batch(list(texts))
        return _arrays(encodings)

    def encode_pairs(
        self,
        firsts: Sequence[str],
        seconds: Sequence[str],
        max_length: int,
        stride: int = 0,
        *,
        overflow: bool = True,
    ) -> PairWindows:
        """Each (first, second) pair as windows of at most ``max_length`` tokens: ``[CLS] first [SEP] second
        [SEP]``, the second text cut into windows overlapping by ``stride`` tokens (``overflow=False``: its first
        window only)."""
        with self._lock, self._configured(max_length, stride, "only_second"):
            encodings = self._tok.encode_batch(list(zip(firsts, seconds, strict=True)))
        windows: list[Any] = []
        owner: list[int] = []
        for n, enc in enumerate(encodings):
            for e in [enc, *enc.overflowing] if overflow else [enc]:
                windows.append(e)
                owner.append(n)
        arrays = _arrays(windows)
        offsets = [
            [
                (a, b) if sid == 1 and b > a else None
                for sid, (a, b) in zip(e.sequence_ids, e.offsets, strict=True)
            ]
            for e in windows
        ]
        return PairWindows(
            arrays["input_ids"], arrays["token_type_ids"], arrays["attention_mask"], offsets, owner
        )

    @contextmanager
    def _configured(self, max_length: int, stride: int, strategy: str) -> Iterator[None]:
        self._tok.enable_truncation(max_length, stride=stride, strategy=strategy, direction="right")
        self._tok.enable_padding(direction="right", pad_id=self.pad_id, pad_type_id=0, pad_token="[PAD]")
        try:
            yield
        finally:
            self._tok.no_truncation()
            self._tok.no_padding()


def _arrays(encodings: Sequence[Any]) -> dict[str, np.ndarray]:
    width = max((len(e.ids) for e in encodings), default=0)

    def grid(rows: list[list[int]]) -> np.ndarray:
        out = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            out[i, : len(row)] = row
        return out

    return {
        "input_ids": grid([e.ids for e in encodings]),
        "token_type_ids": grid([e.type_ids for e in encodings]),
        "attention_mask": grid([e.attention_mask for e in encodings]),
    }
