"""Retrieve stage: hybrid search, plain Python (no LangChain import: the question path stays light).

Dense (Chroma, cosine over all-MiniLM-L6-v2) and lexical (BM25) candidates are fused by Reciprocal Rank
Fusion: ``score(chunk) = sum over lists of 1 / (rrf_k + rank)``. A question that names a date ("What happened on
Oct. 24?", "What did she say last Tuesday?") adds a third list: the chunks of the candidate articles whose
sentences name that day, the question's date resolved against each article's publication date.

A follow-up is searched in its conversation. The conversation's article is the one its answered turns, searched
together, find first (:meth:`HybridSearch.conversation_article`); its candidate chunks get one more list, so that
"How many?" or "Who was arrested?" are answered from the story being talked about rather than from another article
that matches the words better; a soft prior, not a filter, and none when the question names something that article
never mentions and another does ("And the weather in Oslo?": a new topic). (Measured: searching a follow-up in that
article only raised the CoQA dev split 57.6 → 58.4, but where a conversation moves to another story — the split's
conversations each asked after the whole conversation about the story before it — it fell 54.3 → 50.6: a follow-up
to a new topic that names nothing new, or one after it while the old story's turns still outnumber the new one's,
was searched in the old story. Weighting the prior 2x or 3x did better on neither (57.3 / 54.1); with the filter,
finding the article from the last 2 or 3 turns only: 56.9 / 53.0, 57.1 / 52.6.) The passage the last answer came
from is read as well (:meth:`HybridSearch.previous_passage`), in the last of the ``k`` places when the search did not
find it, so that a follow-up reads as many passages as a first question. (Appended as a fifth, a follow-up took
1.27-1.29x its first turn in ``qa-bot bench``; in the last place 1.19x, and paired on the bench's follow-ups 0.88x
(p50) and 0.91x (p95) the time. The CoQA dev split kept all 386 answers; with the bot's own answers as the history
51.8 -> 52.0; the switched conversations 54.3 -> 54.0, one yes/no turn.) No answering happens here.
:class:`qa_bot.retrieve.retriever.HybridRetriever` is the same search as a LangChain ``BaseRetriever`` (for
callbacks and LangChain users).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa_bot.types import ABSTAIN_TEXT, Chunk, Passage

__all__ = ["HybridSearch"]

_NAME = re.compile(r"\b[A-Z][\w'-]*[a-z][\w'-]*")
_YES_NO = re.compile(r"^\W*(?:yes|no)\W*$", re.IGNORECASE)


def _answered(history: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The turns of a conversation that were answered (not declined), their answers stripped."""
    return [(q, a.strip()) for q, a in history if a.strip() and a.strip() != ABSTAIN_TEXT]


@dataclass(frozen=True)
class HybridSearch:
    """Dense + BM25 retrieval over a :class:`qa_bot.store.Store`, fused with RRF; ``embedder`` turns the query
    into a vector (any object with ``embed_one``, e.g. :class:`qa_bot.models.Embedder`).

    ``k`` (or per call) is how many chunks come back; ``doc_ids`` restricts the search to some articles;
    ``history`` (a conversation's turns) favours the conversation's article and adds the passage of its last answer.
    """

    store: Any
    embedder: Any
    k: int = 4
    fetch_k: int = 20
    rrf_k: int = 60
    doc_ids: list[str] | None = None

    def __post_init__(self) -> None:
        for name in ("k", "fetch_k", "rrf_k"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")

    def retrieve(
        self,
        query: str,
        *,
        k: int | None = None,
        doc_ids: list[str] | None = None,
        history: Sequence[tuple[str, str]] = (),
    ) -> list[Passage]:
        """The fused top ``k`` passages as qa-bot :class:`Passage` objects, best first. Asked in a conversation
        (``history``): the conversation's article favoured (see the module docstring), and the passage its last
        answer came from (:meth:`previous_passage`) in the last place when not among them (after the best one
        when ``k`` is 1)."""
        doc_ids = doc_ids if doc_ids is not None else self.doc_ids
        article = self.conversation_article(history, doc_ids=doc_ids)
        # with one article in scope there is nothing to favour it over
        favoured = article if article is not None and len(self._scope(doc_ids)) > 1 else None
        passages = self._search(query, k, doc_ids, favoured)
        before = self.previous_passage(history, doc_ids=doc_ids, article=article) if article else None
        if before is not None and all(p.chunk.chunk_id != before.chunk.chunk_id for p in passages):
            passages = [*passages[: max(1, (k or self.k) - 1)], before]
        return passages

    def _search(
        self, query: str, k: int | None, doc_ids: list[str] | None, article: str | None = None
    ) -> list[Passage]:
        k = k or self.k
        lists, similarity = self._candidates(query, max(self.fetch_k, k), doc_ids)
        lists += self._dated(query, lists[0] + lists[1])
        if article is not None and not self._leaves(query, article, doc_ids):
            lists.append([c for c, _ in self._fuse(lists) if c.doc_id == article])
        return [
            Passage(chunk=c, score=score, similarity=similarity.get(c.chunk_id, 0.0))
            for c, score in self._fuse(lists)[:k]
        ]

    def conversation_article(
        self, history: Sequence[tuple[str, str]], *, doc_ids: list[str] | None = None, turns: int = 8
    ) -> str | None:
        """The article a conversation is about: the one whose chunk comes first when its last ``turns`` answered
        turns (questions and answers) are searched together by BM25 (no search when only one article is in
        scope). The turns' own words find it: with the dense search fused in (one more embedding and Chroma query a
        follow-up) the CoQA dev split got the same answers, and a news conversation of ``followups.json`` was
        searched in the wrong article. ``None`` when no turn was answered."""
        answered = _answered(history)[-turns:]
        if not answered:
            return None
        doc_ids = doc_ids if doc_ids is not None else self.doc_ids
        scope = self._scope(doc_ids)
        if len(scope) == 1:
            return next(iter(scope))
        found = self.store.lexical_search(" ".join(f"{q} {a}" for q, a in answered), 1, doc_ids)
        return found[0][0].doc_id if found else None

    def previous_passage(
        self,
        history: Sequence[tuple[str, str]],
        *,
        doc_ids: list[str] | None = None,
        article: str | None = None,
        fetch: int = 5,
    ) -> Passage | None:
        """The passage the conversation's last answer came from: of the chunks of the conversation's ``article``
        (:meth:`conversation_article` when not given) most like that turn (its question and answer, by BM25: the
        answer's own words find it; a second embedding and dense query cost a follow-up ~11 ms), the first that
        holds the answer's words, else the first, scored as RRF scores its BM25 rank. ``None`` when no earlier
        turn was answered. A follow-up reads it besides its own passages, so that "Why?" or "County?" can be
        answered from where the conversation is."""
        answered = _answered(history)
        article = article or self.conversation_article(history, doc_ids=doc_ids)
        if not answered or article is None:
            return None
        question, answer = answered[-1]
        found = self.store.lexical_search(f"{question} {answer}", fetch, [article])
        if not found:
            return None
        # a "yes" or "no" is not the article's words; other answers are found as whole words
        said = None if _YES_NO.match(answer) else re.compile(rf"(?<!\w){re.escape(answer.lower())}(?!\w)")
        rank, chunk = next(((r, c) for r, (c, _) in enumerate(found, 1) if said and said.search(c.text.lower())),
                           (1, found[0][0]))  # fmt: skip
        return Passage(
            chunk=chunk, score=1.0 / (self.rrf_k + rank), similarity=0.0
        )  # BM25 alone: no similarity

    def _scope(self, doc_ids: list[str] | None) -> frozenset[str]:
        """The articles a search may use: ``doc_ids``, or (none given, as the store reads it) every article with
        chunks, from the BM25 index in memory."""
        return frozenset(doc_ids) if doc_ids else self.store.lexical_index().doc_ids

    def _candidates(
        self, query: str, fetch: int, doc_ids: list[str] | None
    ) -> tuple[list[list[Chunk]], dict[str, float]]:
        """The dense and the BM25 candidates of ``query`` (best first), with the dense similarities by chunk id."""
        dense = self.store.dense_search(self.embedder.embed_one(query), fetch, doc_ids)
        lexical = self.store.lexical_search(query, fetch, doc_ids)
        return [[c for c, _ in dense], [c for c, _ in lexical]], {c.chunk_id: s for c, s in dense}

    def _leaves(self, query: str, article: str, doc_ids: list[str] | None) -> bool:
        """Whether ``query`` names something (a capitalised word past its first) that ``article`` never mentions
        and another article in scope does: a new topic, not a follow-up."""
        for name in dict.fromkeys(_NAME.findall(query[1:])):
            if not self.store.lexical_search(name, 1, [article]) and self.store.lexical_search(
                name, 1, doc_ids
            ):
                return True
        return False

    def _fuse(self, lists: Sequence[Sequence[Chunk]]) -> list[tuple[Chunk, float]]:
        """Reciprocal Rank Fusion of ranked chunk lists: best first, ties by article and position."""
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for ranked in lists:
            for rank, chunk in enumerate(ranked, start=1):
                fused[chunk.chunk_id] = fused.get(chunk.chunk_id, 0.0) + 1.0 / (self.rrf_k + rank)
                chunks[chunk.chunk_id] = chunk
        best = sorted(fused, key=lambda cid: (-fused[cid], chunks[cid].doc_id, chunks[cid].start))
        return [(chunks[cid], fused[cid]) for cid in best]

    def _dated(self, query: str, candidates: list[Chunk], articles: int = 3) -> list[list[Chunk]]:
        """Per candidate article (the first few), its chunks that name a day the query names."""
        from qa_bot.dates import could_name_a_date, days_named

        if not could_name_a_date(query):
            return []
        out = []
        for doc_id in list(dict.fromkeys(c.doc_id for c in candidates))[:articles]:
            try:
                published = self.store.published(doc_id)
            except KeyError:
                continue
            days = days_named(query, published or None)
            if days:
                out.append(self.store.chunks_naming(doc_id, days))
        return [ranked for ranked in out if ranked]
