"""What the reader reads and how its scores become spans.

* :func:`encode_windows` tokenises ``[CLS] question [SEP] piece [SEP]`` for each piece of text (a piece longer than
  the model's window is cut into overlapping windows) and keeps each token's char offsets into its piece, so every
  span maps straight back to the stored article. In a conversation the question segment also holds the recent
  turns (:func:`question_text`: the last :data:`HISTORY_TURNS` questions and answers, then the question), as
  history-aware CoQA readers read it.
* :func:`best_spans` scores every span on its own (start logit + end logit) and ranks spans by their margin over
  the "no answer" score ([CLS] start + end) of the window they were read in: a window sure that it holds no answer
  discounts its spans, so spans compare across windows and articles. The same span found in overlapping windows
  is kept once, at its best margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["HISTORY_TURNS", "EncodedWindows", "SpanScore", "best_spans", "encode_windows", "question_text"]

HISTORY_TURNS = 2  # earlier (question, answer) turns the reader sees with a question
MAX_QUESTION_TOKENS = 48  # the question itself, always kept whole up to this
MAX_CONVERSATION_TOKENS = 64  # question + history: the history is cut from the left to fit
TURN_MARK = "|"  # ends each earlier turn in the question segment


@dataclass
class EncodedWindows:
    """Padded model inputs for ``n`` windows; per window the piece it was cut from and, per token, its
    ``(start, end)`` char offsets in that piece (``None`` for question and special tokens)."""

    input_ids: np.ndarray
    token_type_ids: np.ndarray
    attention_mask: np.ndarray
    offsets: list[list[tuple[int, int] | None]]
    pieces: list[int]

    def __len__(self) -> int:
        return len(self.offsets)

    def tensors(self) -> dict[str, np.ndarray]:
        return {
            "input_ids": self.input_ids,
            "token_type_ids": self.token_type_ids,
            "attention_mask": self.attention_mask,
        }

    @property
    def tokens(self) -> int:
        return int(self.attention_mask.sum())


@dataclass(frozen=True)
class SpanScore:
    """A candidate answer: ``pieces[piece][start:end]``, its span score, the "no answer" score of the window it
    was read in (the same scale: logits of [CLS]) and its length in the reader's tokens (0: not known)."""

    piece: int
    start: int
    end: int
    score: float
    null: float
    window: int
    tokens: int = 0

    @property
    def margin(self) -> float:
        return self.score - self.null


def question_text(
    tokenizer: Any,
    question: str,
    history: Sequence[tuple[str, str]] = (),
    max_question_tokens: int = MAX_QUESTION_TOKENS,
    max_tokens: int = MAX_CONVERSATION_TOKENS,
) -> str:
    """The question segment the reader sees: the last :data:`HISTORY_TURNS` turns of ``history`` (``question
    answer |`` each), then ``question`` (at most ``max_question_tokens``). The history is cut from the left, at a
    word start, so that the whole segment fits ``max_tokens``; the question always stays."""
    q = tokenizer.tokenize(question)[:max_question_tokens]
    past: list[str] = []
    for hq, ha in list(history)[-HISTORY_TURNS:]:
        past += [*tokenizer.tokenize(hq), *tokenizer.tokenize(ha), TURN_MARK]
    room = max(0, max_tokens - len(q))
    past = past[len(past) - room :] if room else []
    while past and past[0].startswith("##"):
        past = past[1:]
    return tokenizer.convert_tokens_to_string(past + q)


def encode_windows(
    tokenizer: Any,
    question: str,
    pieces: Sequence[str],
    max_tokens: int = 192,
    stride: int = 48,
    max_question_tokens: int = MAX_QUESTION_TOKENS,
    history: Sequence[tuple[str, str]] = (),
) -> EncodedWindows:
    """Encode ``question`` (in its conversation: ``history``, oldest turn first) against each of ``pieces``."""
    q = question_text(tokenizer, question, history, max_question_tokens)
    enc = tokenizer.encode_pairs([q] * len(pieces), list(pieces), max_tokens, stride)
    return EncodedWindows(
        input_ids=enc.input_ids,
        token_type_ids=enc.token_type_ids,
        attention_mask=enc.attention_mask,
        offsets=enc.offsets,
        pieces=enc.owner,
    )


def best_spans(
    enc: EncodedWindows,
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    *,
    top: int = 5,
    max_answer_tokens: int = 30,
    per_window: int = 20,
    pieces: Sequence[str] | None = None,
) -> tuple[list[SpanScore], float]:
    """The ``top`` spans over all windows, best margin (score minus its window's "no answer" score) first, the
    same span from two windows counted once; and the lowest "no answer" score of any window. Given the
    ``pieces`` read, a span never runs across a line break: an answer lies within one line of the article."""
    found: dict[tuple[int, int, int], SpanScore] = {}
    nulls = []
    for w, offs in enumerate(enc.offsets):
        st, en = start_logits[w], end_logits[w]
        null = float(st[0] + en[0])
        nulls.append(null)
        ctx = np.array([k for k, o in enumerate(offs) if o is not None], dtype=np.int64)
        if ctx.size == 0:
            continue
        starts = ctx[np.argsort(-st[ctx])[:per_window]]
        ends = ctx[np.argsort(-en[ctx])[:per_window]]
        # every (start, end) pair of the window's best starts and ends at once, best score first; only the
        # window's best ``top`` spans can be among the best ``top`` of all windows (a window's margins are its
        # scores less one number), so the rest are never looked at
        length = ends[None, :] - starts[:, None] + 1
        si, ei = np.nonzero((length >= 1) & (length <= max_answer_tokens))
        scores = st[starts[si]] + en[ends[ei]]
        kept: set[tuple[int, int, int]] = set()
        for o in np.argsort(-scores, kind="stable"):
            s, e = int(starts[si[o]]), int(ends[ei[o]])
            key = (enc.pieces[w], offs[s][0], offs[e][1])  # type: ignore[index]
            if pieces is not None and "\n" in pieces[key[0]][key[1] : key[2]]:
                continue
            old = found.get(key)
            margin = float(scores[o]) - null
            if old is None or margin > old.margin:
                found[key] = SpanScore(*key, score=float(scores[o]), null=null, window=w, tokens=e - s + 1)
            kept.add(key)
            if len(kept) >= top:
                break
    spans = sorted(found.values(), key=lambda x: -x.margin)[:top]
    return spans, (min(nulls) if nulls else 0.0)
