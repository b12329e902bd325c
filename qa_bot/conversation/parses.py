"""spaCy's parses of the short texts a conversation reads, remembered: :class:`RememberedParses`."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["MAX_REMEMBERED_CHARS", "RememberedParses"]

MAX_REMEMBERED_CHARS = 2_000  # a longer text (a pasted answer in a history) is parsed each time, never kept


class RememberedParses:
    """spaCy's parses of the short texts a rewrite reads (questions, answers), remembered (the ``size`` latest):
    a conversation's earlier turns are parsed once, not again at every follow-up and again for each earlier turn
    the rewrite resolves on its way (a follow-up after five turns parsed 16 texts, ~9 ms each on 2 cores); and
    the texts a follow-up is known to need are parsed together (:meth:`prefetch`: three short texts in one
    ``nlp.pipe`` take half the time of three calls). Callable like the pipeline it wraps; the parses are only
    read, never changed. :meth:`of` gives the one memory of a pipeline (what :func:`standalone_question` uses)."""

    def __init__(self, nlp: Any, size: int = 1024, pipe: Callable[[list[str]], Any] | None = None) -> None:
        self.nlp = nlp
        self.size = size
        self._pipe = pipe or getattr(nlp, "pipe", None) or (lambda texts: [nlp(t) for t in texts])
        self._docs: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> Any:
        with self._lock:
            if text in self._docs:
                self._docs.move_to_end(text)
                return self._docs[text]
        doc = self.nlp(text)
        self._keep({text: doc})
        return doc

    def prefetch(self, texts: Sequence[str]) -> None:
        """Parse the ``texts`` not remembered yet (and short enough to be), together."""
        with self._lock:
            missing = [
                t for t in dict.fromkeys(texts) if t not in self._docs and len(t) <= MAX_REMEMBERED_CHARS
            ]
        if missing:
            self._keep(dict(zip(missing, self._pipe(missing), strict=True)))

    def _keep(self, docs: dict[str, Any]) -> None:
        with self._lock:
            self._docs.update((t, d) for t, d in docs.items() if len(t) <= MAX_REMEMBERED_CHARS)
            while len(self._docs) > self.size:
                self._docs.popitem(last=False)

    def forget(self) -> None:
        """Forget every parse (``qa-bot bench`` times each follow-up with its texts parsed anew)."""
        with self._lock:
            self._docs.clear()

    @classmethod
    def of(cls, nlp: Any) -> RememberedParses:
        """The parses remembered for ``nlp``, kept while the pipeline lives (one memory per pipeline)."""
        if isinstance(nlp, RememberedParses):
            return nlp
        try:
            ref = weakref.ref(nlp)
        except TypeError:  # a parser that cannot be weakly referenced: a memory of its own each time
            return cls(nlp)
        with _REMEMBERED_LOCK:
            if nlp not in _REMEMBERED:  # the memory refers to its pipeline weakly, so both go together
                pipe = (lambda texts: ref().pipe(texts)) if hasattr(nlp, "pipe") else None  # type: ignore[union-attr]
                _REMEMBERED[nlp] = cls(lambda text: ref()(text), pipe=pipe)  # type: ignore[misc]
            return _REMEMBERED[nlp]


_REMEMBERED: weakref.WeakKeyDictionary[Any, RememberedParses] = weakref.WeakKeyDictionary()
_REMEMBERED_LOCK = threading.Lock()
