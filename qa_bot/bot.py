"""The facade: :class:`QABot` wires ingest -> index -> retrieve -> answer; every surface (CLI, web app, eval,
bench, scripts) goes through its public methods. ``bot.pipeline`` (:mod:`qa_bot.pipeline`: rewrite | retrieve |
read) is what ``ask``, ``stream``, ``Chat``, the web app and ``qa-bot eval`` run, and ``bot.chain`` runs as a
LangChain Runnable."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Union

from qa_bot.config import Settings
from qa_bot.errors import InvalidInput
from qa_bot.pipeline import Pipeline, build_pipeline, final_answer, polarity_reader, preload_networks
from qa_bot.types import ArticleFilter, Final, Retrieval

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable, RunnableConfig
    from spacy.language import Language

    from qa_bot.answering.attribution import Attributor
    from qa_bot.answering.extractive import Calibration, ExtractiveAnswerer, Reading
    from qa_bot.answering.llm import LLMAnswerer
    from qa_bot.answering.polarity import PolarityReader
    from qa_bot.answering.reader import Reader
    from qa_bot.conversation.chat import Chat
    from qa_bot.ingest.indexer import Indexer, Progress
    from qa_bot.models import Embedder
    from qa_bot.retrieve import HybridRetriever
    from qa_bot.types import (
        Answer,
        Chunk,
        DateMention,
        Document,
        DocumentSummary,
        IngestReport,
        Passage,
        Statement,
        StreamEvent,
    )

__all__ = ["ChainInput", "FilterLike", "History", "QABot"]

History = Sequence[tuple[str, str]]
FilterLike = Union[ArticleFilter, Mapping[str, str], None]  # noqa: UP007 (a runtime alias on Python 3.10)
ChainInput = Union[str, Mapping[str, object]]  # noqa: UP007


class QABot:
    """Question answering over the articles in one persistent index.

    >>> bot = QABot(index_dir="indexes/default")           # opens or creates the index
    >>> bot.ingest("seeds/000_63f53ac7bfb7b5fd.txt")
    >>> bot.ask("who denied the allegations?").text
    'Amir Saeid Iravani'

    ``embedder``, ``nlp``, ``reader`` (a :class:`qa_bot.answering.reader.Reader`) and its ``calibration`` may be
    injected (tests use small fakes); by default the offline models load on first use, or, with ``preload``, in a
    thread started now (while the index opens). ``llm`` is a backend name (``"openai:MODEL"``) or a LangChain chat
    model. Other keyword arguments override :class:`qa_bot.config.Settings`.
    """

    def __init__(
        self,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        nlp: Language | None = None,
        reader: Reader | None = None,
        calibration: Calibration | None = None,
        llm: str | BaseChatModel | None = None,
        preload: bool = False,
        **overrides: object,
    ) -> None:
        from qa_bot.models import Embedder
        from qa_bot.retrieve import HybridSearch
        from qa_bot.store import Store

        changes: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
        self._llm_model: BaseChatModel | None = None if llm is None or isinstance(llm, str) else llm
        if llm is not None:
            changes["llm"] = llm if self._llm_model is None else type(llm).__name__ + ":instance"
        if index_dir is not None:
            changes["index_dir"] = str(index_dir)
        base = settings or Settings.load()
        self.settings = s = base.with_(**changes) if changes else base
        self.embedder = embedder or Embedder(batch_size=s.embed_batch_size, runtime=s.runtime,
                                             cache_dir=s.model_cache_dir)  # fmt: skip
        self._reader = reader
        self.polarity: PolarityReader | None = polarity_reader(s)  # yes or no? (None: off, or no weights)
        if preload:  # before the index opens: its imports and the models' loading overlap
            self._reader = preload_networks(self.embedder, reader, s, self.polarity)
        self.store = Store(s.index_dir, chroma_url=s.chroma_url or None)
        self.hybrid = HybridSearch(self.store, self.embedder, k=s.k, fetch_k=s.fetch_k, rrf_k=s.rrf_k)
        self._nlp = nlp
        self._calibration = calibration

    @cached_property
    def retriever(self) -> HybridRetriever:
        """:attr:`hybrid`, the search, as a LangChain ``BaseRetriever`` (imports langchain-core)."""
        from qa_bot.retrieve import HybridRetriever

        return HybridRetriever.over(self.hybrid)

    @cached_property
    def nlp(self) -> Language:
        from qa_bot.models import get_nlp  # one per process, loaded on first use

        return self._nlp if self._nlp is not None else get_nlp()

    def split_sentences(self, text: str) -> list[tuple[int, int]]:
        """Sentence spans of ``text`` (the package's one splitter: spaCy's ``senter``)."""
        from qa_bot.ingest import split_sentences

        return split_sentences(text, self.nlp)

    @cached_property
    def attributor(self) -> Attributor:
        """Span -> cited sentence, shared by the extractive answer stage and the LLM backend."""
        from qa_bot.answering.attribution import Attributor

        return Attributor(self.split_sentences)

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        from qa_bot.answering.answer_types import AnswerTypes
        from qa_bot.answering.extractive import Calibration, ExtractiveAnswerer
        from qa_bot.answering.kind import AnswerKind
        from qa_bot.finders import span_checks
        from qa_bot.pipeline import trained_reader

        model_dir = self.settings.reader_dir or None
        return ExtractiveAnswerer(
            self._reader or trained_reader(self.settings), self.attributor,
            calibration=self._calibration or Calibration.load(model_dir), answer_kind=AnswerKind.load(model_dir),
            abstain_threshold=self.settings.abstain_threshold, verdict_threshold=self.settings.verdict_threshold,
            types=AnswerTypes.load(model_dir), polarity=self.polarity, **span_checks(self),  # names, roles, denials
        )  # fmt: skip

    @cached_property
    def indexer(self) -> Indexer:
        from qa_bot.ingest.dedupe import CopyFinder
        from qa_bot.ingest.indexer import Indexer

        s, store = self.settings, self.store
        return Indexer(
            store, self.embedder, self.split_sentences,
            copies=CopyFinder(s.dedupe_threshold, store.signatures, lambda i: store.document(i).text),
            chunk_max_chars=s.chunk_max_chars, chunk_overlap_sentences=s.chunk_overlap_sentences,
            embed_batch_size=s.embed_batch_size, max_documents=s.max_articles_per_ingest,
            parser=(lambda: self.nlp) if s.find_statements else None)  # fmt: skip

    @cached_property
    def llm(self) -> LLMAnswerer | None:
        """The LLM backend, or ``None`` when none is configured."""
        if not self.settings.llm:
            return None
        from qa_bot.answering.llm import LLMAnswerer

        return LLMAnswerer.from_settings(self.settings, self._llm_model, self.attributor)

    def warm_up(self) -> QABot:
        """Load the models now, not at the first question (spaCy and the spelling dictionary in threads beside)."""
        from concurrent.futures import ThreadPoolExecutor

        from qa_bot.conversation.spelling import spell_checker

        with ThreadPoolExecutor(2) as pool:
            nlp = pool.submit(lambda: self.nlp)
            spelling = pool.submit(spell_checker if self.settings.respell else lambda: None)
            getattr(self.embedder, "warm_up", lambda: None)()
            self.answerer.warm_up()
            nlp.result(), spelling.result()
        return self

    def ingest(
        self,
        *paths: str | Path | Sequence[str | Path],
        title: str | None = None,
        date: str | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files (``.txt``/``.md``/``.html``, ``.jsonl`` feeds), directories of them, and ``http(s)://``
        URLs, all read, fetched and validated before anything is written (one bad input stops the call); unchanged
        articles are skipped. ``title``: for a single file; ``date`` (``YYYY-MM-DD``): over any the articles carry."""
        from qa_bot.dates import given_date
        from qa_bot.ingest import load_inputs

        day = given_date(date)
        st = self.settings
        documents = load_inputs(
            paths, max_bytes=st.max_file_bytes, fetch_timeout=st.fetch_timeout, title=title,
            allow_private=st.allow_private_urls,
        )  # fmt: skip
        if day:
            documents = [replace(d, published=day, published_source="argument") for d in documents]
        return self.ingest_documents(documents, progress)

    def ingest_text(
        self, text: str, title: str | None = None, source: str = "", date: str | None = None
    ) -> IngestReport:
        """Ingest one article given as a string; ``date`` (``YYYY-MM-DD``) is its publication date."""
        from qa_bot.dates import given_date
        from qa_bot.ingest import make_document

        limit = self.settings.max_file_bytes
        if isinstance(text, str) and len(text.encode("utf-8", "surrogatepass")) > limit:
            raise InvalidInput(f"The article is over the {limit:,}-byte limit.")
        day = given_date(date) or None
        document = make_document(text, title=title, source=source, published=day, published_source="argument")
        return self.ingest_documents([document])

    def ingest_url(self, url: str, timeout: float | None = None) -> IngestReport:
        """Fetch a web page and ingest its main text (extracted with trafilatura). A URL that resolves to a
        loopback, private or link-local address is refused unless the ``allow_private_urls`` setting is on."""
        from qa_bot.ingest import fetch_url

        st = self.settings
        document = fetch_url(url, timeout=timeout or st.fetch_timeout, max_bytes=st.max_file_bytes,
                             allow_private=st.allow_private_urls)  # fmt: skip
        return self.ingest_documents([document])

    def ingest_documents(
        self, documents: Iterable[Document], progress: Progress | None = None
    ) -> IngestReport:
        """Store loaded documents by the ingest policy of :class:`qa_bot.ingest.indexer.Indexer` (skip unchanged,
        replace a changed source, store a syndicated copy once)."""
        return self.indexer.index(documents, progress)

    def document(self, doc_id: str) -> Document:
        """The stored canonical text of one article (citations index into ``.text``)."""
        try:
            return self.store.document(doc_id)
        except KeyError:
            raise InvalidInput(f"No article with id {doc_id!r} in this index.") from None

    def statements(self, doc_id: str) -> tuple[Statement, ...]:
        """Who said what in one article, found at ingest: speaker (and role), verb, what was said, with offsets."""
        try:
            return self.store.statements(doc_id)
        except KeyError:
            raise InvalidInput(f"No article with id {doc_id!r} in this index.") from None

    def documents(self) -> list[DocumentSummary]:
        """Every stored article, sorted by title."""
        return self.store.documents()

    def remove(self, doc_id: str) -> bool:
        """Remove one article and its chunks; ``False`` when it was not there."""
        return self.indexer.remove(doc_id)

    def validate_question(self, question: object) -> str:
        """The question, whitespace-normalised, or an :class:`InvalidInput` saying what is wrong with it."""
        from qa_bot.conversation import validate_question

        return validate_question(question, self.settings.max_question_chars)

    def rewrite(self, question: str, history: History | None = None) -> tuple[str, str | None]:
        """The validated question, its slips mended (:meth:`mend`), and the standalone question it is understood
        as: a follow-up's rewrite, the question mended or without orders around it (``None``: it stands as typed)."""
        from qa_bot.conversation import standalone_question

        llm = self.llm if self.settings.llm_rewrite else None
        typed = self.validate_question(question)
        q = self.mend(typed)
        nlp = self.nlp if history else None  # a first question needs no parse (nor spaCy)
        rewritten = standalone_question(q, history, nlp, llm.rewrite if llm is not None else None)
        return q, rewritten if rewritten is not None or q == typed else q

    def mend(self, text: str) -> str:
        """``text`` with its misspelt words mended (setting ``respell``: :mod:`qa_bot.conversation.spelling`)."""
        from qa_bot.conversation import respell

        index = self.store.lexical_index() if self.settings.respell else None
        return (respell(text, index.knows, written=index.words) if index else None) or text

    def scope(self, doc_ids: Sequence[str] | None = None, filter: FilterLike = None) -> list[str] | None:
        """The articles a question may use: ``doc_ids`` and/or the ones matching ``filter`` (title, source,
        since, until; a Chroma metadata filter), ``None`` for all. No match is an :class:`InvalidInput`."""
        if isinstance(filter, Mapping):
            filter = ArticleFilter.from_mapping(filter)
        return self.store.scope(doc_ids, filter)

    def search(
        self,
        query: str,
        doc_ids: Sequence[str] | None = None,
        k: int | None = None,
        config: RunnableConfig | None = None,
        history: History = (),
    ) -> tuple[Passage, ...]:
        """The hybrid search's passages for a standalone query (in a conversation, ``history``, the conversation's
        article favoured and the passage its last answer came from too); given a LangChain ``config``, through
        ``retriever.invoke``, so its callbacks see it."""
        options = {"doc_ids": list(doc_ids) if doc_ids else None, "k": k, "history": tuple(history)}
        if config is None:
            return tuple(self.hybrid.retrieve(query, **options))  # type: ignore[arg-type]
        from qa_bot.retrieve import passage_from_document

        return tuple(passage_from_document(d) for d in self.retriever.invoke(query, config, **options))

    def retrieve(
        self,
        question: str,
        history: History | None = None,
        *,
        doc_ids: Sequence[str] | None = None,
        filter: FilterLike = None,
    ) -> Retrieval:
        """Rewrite a follow-up into a standalone question and retrieve its passages."""
        from qa_bot.conversation import validate_history

        typed = self.validate_question(question)
        turns = tuple((self.mend(q), a) for q, a in validate_history(history))  # its questions mended too
        q, rewritten = self.rewrite(typed, turns)
        passages = self.search(rewritten or q, self.scope(doc_ids, filter), history=turns)
        return Retrieval(q, rewritten or q, passages, rewritten is not None, turns,
                         typed if q != typed else "")  # fmt: skip

    def nearest_chunks(self, query: str, k: int = 1) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks most like ``query`` by dense similarity alone, with it (a retrieval-only baseline)."""
        return self.store.dense_search(self.embedder.embed_one(query), k)

    def analyze(self, question: str, history: History | None = None) -> Reading:
        """What the reader made of one question (windows, scored spans, margin): diagnostics, calibration."""
        from qa_bot.conversation import reader_input

        found = self.retrieve(question, history)
        question, turns = reader_input(found, self.answerer.reads_history)
        return self.answerer.read(question, found.passages, turns)

    def ask(
        self,
        question: str,
        history: History | None = None,
        *,
        doc_ids: Sequence[str] | None = None,
        filter: FilterLike = None,
    ) -> Answer:
        """Answer one question (``history``: earlier ``(question, answer_text)`` turns, oldest first), from all
        articles, the ``doc_ids`` given, or those matching ``filter`` (see :meth:`scope`). Runs :attr:`pipeline`."""
        return final_answer(self.pipeline.invoke(_inputs(question, history, doc_ids, filter)))

    def stream(
        self,
        question: str,
        history: History | None = None,
        *,
        doc_ids: Sequence[str] | None = None,
        filter: FilterLike = None,
    ) -> Iterator[StreamEvent]:
        """Like :meth:`ask`, but yields :class:`Token` pieces of the answer as they are produced (LLM tokens, or
        the extractive answer in one piece), then one :class:`Final` with the answer and its citations: the
        pipeline's own ``stream``."""
        yield from self.pipeline.stream(_inputs(question, history, doc_ids, filter))

    def read(self, found: Retrieval) -> Answer:
        """The read step alone: the answer to a retrieval (extractive, or the LLM backend's)."""
        from qa_bot.pipeline import read_events

        return next(e.answer for e in read_events(self, found) if isinstance(e, Final))

    def dates_of(self, answer: Answer) -> tuple[DateMention, ...]:
        """The dates the answer's cited passages name, resolved against each article's publication date."""
        from qa_bot.dates import answer_dates

        return answer_dates(answer, self.store.published)

    def chat(
        self, doc_ids: Sequence[str] | None = None, filter: FilterLike = None, history: History | None = None
    ) -> Chat:
        """A conversation keeping its own history from ``history`` on: ``bot.chat().ask("who ...")``, ``ask_each``."""
        from qa_bot.conversation.chat import Chat

        return Chat(self, doc_ids=self.scope(doc_ids, filter), history=history)

    @cached_property
    def pipeline(self) -> Pipeline:
        """The question path (:func:`qa_bot.pipeline.build_pipeline`): a question string or ``{"question",
        "history"?, "doc_ids"?, "filter"?}`` in; ``stream`` yields :class:`Token` pieces and the :class:`Final`
        answer, ``invoke`` returns the :class:`Final`; given a LangChain ``config``, either runs as a Runnable."""
        return build_pipeline(self)

    @cached_property
    def chain(self) -> Runnable[ChainInput, Answer]:
        """:attr:`pipeline` as a LangChain Runnable ending in the :class:`Answer`: ``bot.chain.invoke({"question":
        ..., "history": ..., "filter": {...}})``; ``invoke``, ``batch`` and ``stream`` all work."""
        from langchain_core.runnables import RunnableLambda

        return self.pipeline.runnable | RunnableLambda(final_answer, name="answer")


def _inputs(
    question: str, history: History | None, doc_ids: Sequence[str] | None, filter: FilterLike
) -> dict[str, object]:
    return dict(question=question, history=history, doc_ids=list(doc_ids) if doc_ids else None, filter=filter)
