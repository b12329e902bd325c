"""The facade: :class:`QABot` wires ingest -> store -> retrieve -> answer, and the LangChain Runnable."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa_bot.config import SEED_ARTICLE, Settings
from qa_bot.errors import InvalidInput
from qa_bot.types import Answer, ArticleFilter, Document, IngestReport

__all__ = ["QABot", "answer", "default_bot"]


class QABot:
    """Question answering over the articles in one persistent index.

    >>> bot = QABot(index_dir="indexes/default")           # opens or creates the index
    >>> bot.ingest("seeds/000_63f53ac7bfb7b5fd.txt")
    >>> bot.ask("who denied the allegations?").text
    'Amir Saeid Iravani'

    ``embedder``, ``nlp`` and ``reader`` (a :class:`qa_bot.reader.reader.Reader`) may be injected (tests use small
    fakes); by default the offline models load on first use. Other keyword arguments override :class:`qa_bot.config.Settings`.
    """

    def __init__(
        self,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Any | None = None,
        nlp: Any | None = None,
        reader: Any | None = None,
        llm: Any | None = None,
        **overrides: Any,
    ) -> None:
        from qa_bot.retrieve import HybridRetriever
        from qa_bot.store import Store

        base = settings or Settings.load()
        changes = {k: v for k, v in overrides.items() if v is not None}
        self._llm_model: Any = None
        if llm is not None and not isinstance(llm, str):
            self._llm_model = llm  # a LangChain chat model instance
            changes["llm"] = type(llm).__name__ + ":instance"
        elif llm is not None:
            changes["llm"] = llm
        if index_dir is not None:
            changes["index_dir"] = str(index_dir)
        self.settings = base.with_(**changes) if changes else base
        self.store = Store(
            self.settings.index_dir, embedder=embedder, chroma_url=self.settings.chroma_url or None
        )
        self.retriever = HybridRetriever(
            store=self.store, k=self.settings.k, fetch_k=self.settings.fetch_k, rrf_k=self.settings.rrf_k
        )
        self._nlp = nlp
        self._reader = reader
        self._attributor: Any = None
        self._answerer: Any = None
        self._llm: Any = None
        self._lock = threading.Lock()
        self._chain: Any = None

    # -- models ------------------------------------------------------------------------------------------
    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            from qa_bot.models import get_nlp

            self._nlp = get_nlp()
        return self._nlp

    @property
    def answerer(self) -> Any:
        if self._answerer is None:
            from qa_bot.answerer import Calibration, ExtractiveAnswerer
            from qa_bot.reader.reader import TrainedReader

            model_dir = self.settings.reader_dir or None
            self._answerer = ExtractiveAnswerer(
                self._reader or TrainedReader(model_dir, precision=self.settings.reader_precision),
                self.attributor,
                calibration=Calibration.load(model_dir),
                abstain_threshold=self.settings.abstain_threshold,
            )
        return self._answerer

    @property
    def attributor(self) -> Any:
        """Span -> cited sentence, shared by the extractive answer stage and the LLM backend."""
        if self._attributor is None:
            from qa_bot.attribution import Attributor
            from qa_bot.ingest import split_sentences

            self._attributor = Attributor(lambda text: split_sentences(text, self.nlp))
        return self._attributor

    @property
    def llm(self) -> Any:
        """The :class:`qa_bot.llm.LLMAnswerer`, or ``None`` when no LLM backend is configured."""
        if self._llm is None and self.settings.llm:
            from qa_bot.llm import LLMAnswerer, make_chat_model

            s = self.settings
            model = self._llm_model or make_chat_model(
                s.llm, base_url=s.llm_base_url or None, timeout=s.llm_timeout, max_tokens=s.llm_max_tokens
            )
            self._llm = LLMAnswerer(
                model, name=s.llm, timeout=s.llm_timeout, on_unverified=s.llm_on_unverified,
                attributor=self.attributor,
            )  # fmt: skip
        return self._llm

    def warm_up(self) -> QABot:
        """Load the models now rather than on the first question."""
        _ = self.store.embedder, self.nlp
        self.answerer.warm_up()
        return self

    # -- ingest ------------------------------------------------------------------------------------------
    def ingest(
        self, *paths: str | Path, title: str | None = None, show_progress: bool = False
    ) -> IngestReport:
        """Ingest files (``.txt``/``.md``/``.html``, ``.jsonl`` feeds), directories of them, and ``http(s)://``
        URLs (fetched, main text extracted). Everything is read, fetched and validated before anything is
        written, so one bad input stops the whole call. Unchanged articles are skipped.
        ``title`` names the article when exactly one file is given."""
        from qa_bot.ingest import fetch_url, load_paths

        flat: list[str | Path] = []
        for p in paths:
            flat.extend(p if isinstance(p, (list, tuple)) else [p])
        urls = [p for p in flat if isinstance(p, str) and p.startswith(("http://", "https://"))]
        files = [p for p in flat if p not in urls]
        documents = [
            fetch_url(u, timeout=self.settings.fetch_timeout, max_bytes=self.settings.max_file_bytes)
            for u in urls
        ]
        if files or not urls:
            documents += load_paths(files, max_bytes=self.settings.max_file_bytes, title=title)
        return self._ingest_documents(documents, show_progress)

    def ingest_text(self, text: str, title: str | None = None, source: str = "") -> IngestReport:
        """Ingest one article given as a string."""
        from qa_bot.ingest import make_document

        if (
            isinstance(text, str)
            and len(text.encode("utf-8", "surrogatepass")) > self.settings.max_file_bytes
        ):
            raise InvalidInput(f"The article is over the {self.settings.max_file_bytes:,}-byte limit.")
        return self._ingest_documents([make_document(text, title=title, source=source)])

    def ingest_url(self, url: str, timeout: float | None = None) -> IngestReport:
        """Fetch a web page and ingest its main text (extracted with trafilatura)."""
        from qa_bot.ingest import fetch_url

        document = fetch_url(
            url, timeout=timeout or self.settings.fetch_timeout, max_bytes=self.settings.max_file_bytes
        )
        return self._ingest_documents([document])

    def _ingest_documents(
        self, documents: Iterable[Document], show_progress: bool = False, batch: int = 32
    ) -> IngestReport:
        """Chunk and store ``documents`` in batches (their chunks embedded together).

        - unchanged articles are skipped;
        - an article whose source (file, URL, JSONL id) was stored with other text replaces that version;
        - a syndicated copy of a stored article (near-duplicate text, see :mod:`qa_bot.dedupe`) is not stored
          again: its source is added to the stored article's sources.
        """
        from qa_bot.ingest import chunk_document, split_sentences

        started = time.perf_counter()
        docs = list(documents)
        if len(docs) > self.settings.max_articles_per_ingest:
            raise InvalidInput(
                f"{len(docs):,} articles in one ingest call; the limit is {self.settings.max_articles_per_ingest:,}"
                " (setting max_articles_per_ingest): split the input."
            )
        threshold = self.settings.dedupe_threshold
        added = skipped = chunks_added = replaced = copies = 0
        stored_as: dict[str, str] = {}  # a syndicated copy's id -> the article stored for it
        with self._lock, _progress(len(docs), show_progress) as advance:
            for i in range(0, len(docs), batch):
                items: list[tuple[Document, Any]] = []
                replaces: dict[str, list[str]] = {}  # new doc id -> the old versions it replaces
                extra: dict[str, list[str]] = {}  # doc id -> sources of its syndicated copies in this call
                for doc in docs[i : i + batch]:
                    if self.store.has_document(doc.doc_id) or any(doc.doc_id == d.doc_id for d, _ in items):
                        skipped += 1
                        if doc.source:
                            extra.setdefault(doc.doc_id, []).append(doc.source)
                        continue
                    holders = self.store.documents_from(doc.source) if doc.source else []
                    own = [h for h in holders if self.store.document(h).source == doc.source]
                    if not own and holders and threshold > 0:
                        # listed as a copy of a stored article: still a copy of it -> nothing changed
                        found = self.store.near_duplicate(doc.text, threshold)
                        if found is not None and found[0] in holders:
                            skipped += 1
                            stored_as[doc.doc_id] = found[0]
                            continue
                        for h in holders:  # that source now carries another story
                            self.store.set_sources(h, [s for s in self.store.sources(h) if s != doc.source])
                    if not own and threshold > 0:
                        original = self._copy_of(doc, items, threshold)
                        if original is not None:
                            copies += 1
                            stored_as[doc.doc_id] = original
                            if doc.source:
                                extra.setdefault(original, []).append(doc.source)
                            continue
                    sentences = split_sentences(doc.text, self.nlp)
                    items.append((doc, chunk_document(doc, sentences, max_chars=self.settings.chunk_max_chars,
                                                      overlap=self.settings.chunk_overlap_sentences)))  # fmt: skip
                    if own:
                        replaces[doc.doc_id] = own
                chunks_added += self.store.add_documents(items)
                added += len(items)
                for new_id, olds in replaces.items():  # the new version is stored, now drop the old one
                    carried = [s for old in olds for s in self.store.sources(old)]
                    for old in olds:
                        self.store.delete_document(old)
                        replaced += 1
                    extra.setdefault(new_id, []).extend(carried)
                for doc_id, more in extra.items():
                    listed = self.store.sources(doc_id)
                    if any(s not in listed for s in more):
                        self.store.set_sources(doc_id, listed + more)
                advance(len(docs[i : i + batch]))
        return IngestReport(
            added_documents=added,
            skipped_documents=skipped,
            added_chunks=chunks_added,
            doc_ids=tuple(stored_as.get(d.doc_id, d.doc_id) for d in docs),
            titles=tuple(d.title for d in docs),
            seconds=round(time.perf_counter() - started, 3),
            replaced_documents=replaced,
            duplicate_documents=copies,
        )

    def _copy_of(
        self, doc: Document, pending: Sequence[tuple[Document, Any]], threshold: float
    ) -> str | None:
        """The id of the stored (or about to be stored) article that ``doc`` is a syndicated copy of."""
        from qa_bot.dedupe import signature

        found = self.store.near_duplicate(doc.text, threshold)
        if found is not None:
            return found[0]
        sig = signature(doc.text)
        for other, _ in pending:  # an earlier article of the same batch
            if sig.jaccard(signature(other.text)) >= threshold:
                return other.doc_id
        return None

    # -- reading -----------------------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document:
        """The stored canonical text of one article (citations index into ``.text``)."""
        try:
            return self.store.document(doc_id)
        except KeyError:
            raise InvalidInput(f"No article with id {doc_id!r} in this index.") from None

    def documents(self) -> list[dict[str, Any]]:
        return self.store.documents()

    def remove(self, doc_id: str) -> bool:
        """Remove one article and its chunks; ``False`` when it was not there."""
        with self._lock:
            return self.store.delete_document(doc_id)

    # -- asking ------------------------------------------------------------------------------------------
    def _validate_question(self, question: Any) -> str:
        if not isinstance(question, str):
            raise InvalidInput("The question must be text.")
        q = question.strip()
        if not q:
            raise InvalidInput("Please type a question.")
        if len(q) > self.settings.max_question_chars:
            raise InvalidInput(
                f"The question is {len(q):,} characters long; the limit is {self.settings.max_question_chars:,}."
            )
        return " ".join(q.split())

    def _understand(self, question: str, history: Sequence[tuple[str, str]] | None) -> tuple[str, str | None]:
        """The validated question and, for a follow-up, its standalone rewrite."""
        from qa_bot.conversation import rewrite_question, strip_greeting, strip_instructions, validate_history

        q = self._validate_question(question)
        turns = validate_history(history)
        bare = strip_instructions(strip_greeting(q))
        rewritten = None
        if turns and self.llm is not None and self.settings.llm_rewrite:
            rewritten = self.llm.rewrite(bare, turns)
        if rewritten is None and turns:
            rewritten = rewrite_question(bare, turns, self.nlp)
        if rewritten is None and bare != q:
            rewritten = bare[:1].upper() + bare[1:]
        return q, rewritten

    def scope(
        self, doc_ids: Sequence[str] | None = None, filter: ArticleFilter | Mapping[str, Any] | None = None
    ) -> list[str] | None:
        """The articles a question may use: ``doc_ids`` and/or the ones matching ``filter`` (title, source,
        since, until; a Chroma metadata filter), ``None`` for all. No match is an :class:`InvalidInput`."""
        if isinstance(filter, Mapping):
            try:
                filter = ArticleFilter(**{k: (str(v) if v else None) for k, v in filter.items()})
            except TypeError:
                raise InvalidInput(
                    f"A filter has the fields title, source, since and until; got {sorted(filter)}."
                ) from None
        if filter is None or filter.empty:
            return list(doc_ids) if doc_ids else None
        found = self.store.find_documents(filter)
        if doc_ids:
            wanted = set(doc_ids)
            found = [i for i in found if i in wanted]
        if not found:
            said = ", ".join(f"{k}={v!r}" for k, v in filter.to_dict().items() if v)
            raise InvalidInput(f"No article in this index matches {said}.")
        return found

    def _retrieve(
        self,
        question: str,
        history: Sequence[tuple[str, str]] | None,
        doc_ids: Sequence[str] | None,
        filter: ArticleFilter | Mapping[str, Any] | None = None,
    ) -> tuple[str, str | None, list[Any]]:
        q, rewritten = self._understand(question, history)
        scope = self.scope(doc_ids, filter)
        passages = self.retriever.retrieve(rewritten or q, doc_ids=scope)
        return q, rewritten, passages

    def analyze(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Any:
        """What the reader made of one question (:class:`qa_bot.answerer.Reading`: windows, scored spans,
        margin): for diagnostics and for ``scripts/calibrate_reader.py``."""
        q, rewritten, passages = self._retrieve(question, history, None)
        return self.answerer.read(rewritten or q, passages)

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]] | None = None,
        *,
        doc_ids: Sequence[str] | None = None,
        filter: ArticleFilter | Mapping[str, Any] | None = None,
    ) -> Answer:
        """Answer one question (``history``: earlier ``(question, answer_text)`` turns, oldest first), from all
        articles, the ``doc_ids`` given, or those matching ``filter`` (see :meth:`scope`)."""
        final: Any = None
        for item in self.stream(question, history, doc_ids=doc_ids, filter=filter):
            final = item
        return final

    def stream(
        self,
        question: str,
        history: Sequence[tuple[str, str]] | None = None,
        *,
        doc_ids: Sequence[str] | None = None,
        filter: ArticleFilter | Mapping[str, Any] | None = None,
    ) -> Iterator[str | Answer]:
        """Like :meth:`ask`, but yields the answer's text as it is produced (``str`` pieces: LLM tokens, or
        the extractive answer in one piece), then the final :class:`Answer` with its verified citations."""
        from qa_bot.conversation import asks_for_another, smalltalk_reply, validate_history

        started = time.perf_counter()
        q = self._validate_question(question)
        reply = smalltalk_reply(q)
        if reply is not None:
            yield reply
            yield Answer(question=q, text=reply, abstained=False, smalltalk=True, backend="smalltalk",
                         latency_ms=round((time.perf_counter() - started) * 1000, 2))  # fmt: skip
            return
        q, rewritten, passages = self._retrieve(q, history, doc_ids, filter)
        standalone = rewritten or q
        exclude = [a for _, a in validate_history(history)] if asks_for_another(standalone) else []

        def extractive() -> Answer:
            return self.answerer.answer(standalone, passages, exclude=exclude)

        if self.llm is None:
            result = extractive()
            yield result.text
        else:
            result = None
            for item in self.llm.stream(standalone, passages, extractive):
                if isinstance(item, Answer):
                    result = item
                else:
                    yield item
            assert result is not None
        yield replace(
            result,
            question=q,
            rewritten_question=rewritten,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def chat(
        self, doc_ids: Sequence[str] | None = None, filter: ArticleFilter | Mapping[str, Any] | None = None
    ) -> Any:
        """A conversation that keeps its own history: ``chat = bot.chat(); chat.ask("who ...")``."""
        from qa_bot.conversation import Chat

        return Chat(self, doc_ids=self.scope(doc_ids, filter))

    @property
    def chain(self) -> Any:
        """The pipeline as a LangChain Runnable: ``{"question", "history"?}`` or a string in, :class:`Answer` out.

        ``bot.chain.invoke("who ...")``, ``.batch([...])`` and ``.stream(...)`` all work.
        """
        if self._chain is None:
            from langchain_core.runnables import RunnableLambda

            def prepare(inputs: Any) -> dict[str, Any]:
                if isinstance(inputs, str):
                    return {"question": inputs, "history": []}
                if isinstance(inputs, dict) and "question" in inputs:
                    return {"question": inputs["question"], "history": inputs.get("history") or []}
                raise InvalidInput(
                    'Chain input must be a question string or {"question": ..., "history": [...]}.'
                )

            def run(inputs: dict[str, Any]) -> Answer:
                return self.ask(inputs["question"], inputs["history"])

            self._chain = (RunnableLambda(prepare) | RunnableLambda(run)).with_config(run_name="qa_bot")
        return self._chain


@contextlib.contextmanager
def _progress(total: int, show: bool) -> Iterator[Any]:
    """A rich progress bar over ``total`` documents (only when asked and worth it)."""
    if not show or total < 2:
        yield lambda n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "Ingesting", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task("ingest", total=total)
        yield lambda n: bar.advance(task, n)


_default_bot: QABot | None = None
_default_lock = threading.Lock()


def default_bot() -> QABot:
    """The bot on the default index (``QA_BOT_INDEX_DIR`` or ``indexes/default``), created once per process;
    the seed article is ingested when that index is empty."""
    global _default_bot
    with _default_lock:
        if _default_bot is None:
            bot = QABot()
            if not bot.documents() and SEED_ARTICLE.exists():
                bot.ingest(SEED_ARTICLE)
            _default_bot = bot
        return _default_bot


def answer(question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
    """Ask the default index (seed article ingested on demand)."""
    return default_bot().ask(question, history)
