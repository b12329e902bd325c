"""The question path, written once: stage components with declared inputs and outputs, composed into one
:class:`Pipeline` that every surface runs — ``QABot.ask`` / ``stream``, ``Chat``, the web app, ``qa-bot eval`` — and
that ``bot.chain`` runs as a LangChain Runnable.

::

    prepare ─┬─ small talk? ──────────────────────────────── smalltalk ─→ Token, Final
             └─ rewrite ─→ retrieve ─→ read (extractive or LLM) ──────→ Token…, Final

Each :class:`Component` names the state keys it reads and the ones it adds; :func:`connect` checks, when the pipeline
is built, that every input is given or made by an earlier component (Haystack 2's ``Pipeline.connect`` idea). The
pipeline runs its components itself (``invoke`` / ``stream``), or, given a LangChain ``config`` (callbacks, tags),
as :meth:`Pipeline.runnable`: the same components, each a named ``RunnableLambda``, so a callback handler sees each
stage start and end (and the retriever run inside ``retrieve``). Only that path imports langchain-core, whose
Runnables (and their tracing) take half a second to import: a cold ``qa-bot ask`` does not pay for them. The read
stage is a generator: ``stream`` yields the LLM's tokens as they come, ``invoke`` returns the last event, the
:class:`Final` answer.

Input: ``{"question", "history"?, "doc_ids"?, "filter"?}`` or a question string.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from qa_bot.errors import InvalidInput
from qa_bot.types import Answer, Final, Retrieval, StreamEvent, Token

if TYPE_CHECKING:
    from pathlib import Path

    from langchain_core.runnables import Runnable, RunnableConfig

    from qa_bot.answering.polarity import PolarityReader
    from qa_bot.answering.reader import TrainedReader
    from qa_bot.answering.statements import StatementPiece
    from qa_bot.bot import QABot
    from qa_bot.config import Settings

__all__ = [
    "INPUTS",
    "Component",
    "Pipeline",
    "build_pipeline",
    "connect",
    "final_answer",
    "prepare_networks",
    "read_events",
    "said_pieces",
]

INPUTS = ("question", "history", "doc_ids", "filter")
State = dict[str, Any]


@dataclass(frozen=True)
class Component:
    """One stage: ``run(state)`` reads ``inputs`` and returns the state with ``outputs`` added (the read stages
    yield stream events instead)."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    run: Callable[[State], Any]


def connect(components: Sequence[Component], given: Sequence[str]) -> None:
    """Check that each component's inputs are ``given`` or made by a component before it; a :class:`ValueError`
    naming the stage and the missing keys otherwise (at build time, not at the first question)."""
    have = set(given)
    for c in components:
        missing = [key for key in c.inputs if key not in have]
        if missing:
            raise ValueError(f"pipeline: {c.name} needs {', '.join(missing)}, which nothing before it makes")
        have.update(c.outputs)


def _talks(state: State) -> bool:
    """The branch: small talk gets its reply, a question the answering stages."""
    return state["smalltalk"] is not None


@dataclass(frozen=True)
class Pipeline:
    """``prepare``, then ``smalltalk`` or the ``answering`` stages; every stage but the last of each branch returns
    the state, the last yields the :class:`StreamEvent` s. Checked by :func:`connect` when made."""

    prepare: Component
    smalltalk: Component
    answering: tuple[Component, ...]

    def __post_init__(self) -> None:
        connect([self.prepare, *self.answering], INPUTS)
        connect([self.prepare, self.smalltalk], INPUTS)

    def stream(self, inputs: Any, config: RunnableConfig | None = None) -> Iterator[StreamEvent]:
        """The events for one input: :class:`Token` pieces, then one :class:`Final`. With a LangChain ``config``
        (callbacks, tags, run name), run as :meth:`runnable`."""
        if config is not None:
            yield from self.runnable.stream(inputs, config)
            return
        state = self.prepare.run(inputs)
        *steps, last = (self.smalltalk,) if _talks(state) else self.answering
        for component in steps:
            state = component.run(state)
        yield from last.run(state)

    def invoke(self, inputs: Any, config: RunnableConfig | None = None) -> StreamEvent:
        """The last event of :meth:`stream`, the :class:`Final` answer."""
        *_, last = self.stream(inputs, config)
        return last

    @cached_property
    def runnable(self) -> Runnable[Any, StreamEvent]:
        """The same components as one LangChain Runnable, ``prepare | (small talk ? reply : rewrite | retrieve |
        read)``, each stage a named ``RunnableLambda`` (made on first use)."""
        from langchain_core.runnables import RunnableBranch, RunnableLambda

        first, *answering = (RunnableLambda(c.run, name=c.name) for c in (self.prepare, *self.answering))
        path = answering[0]
        for stage in answering[1:]:
            path = path | stage
        talk = RunnableLambda(self.smalltalk.run, name=self.smalltalk.name)
        return (first | RunnableBranch((_talks, talk), path)).with_config(run_name="qa_bot")


def build_pipeline(bot: QABot) -> Pipeline:
    """The pipeline over ``bot``'s stages (see the module docstring)."""
    from qa_bot.conversation import validate_history
    from qa_bot.conversation.smalltalk import smalltalk_reply

    def prepare(inputs: Any) -> State:
        if isinstance(inputs, str):
            inputs = {"question": inputs}
        if not isinstance(inputs, Mapping) or "question" not in inputs:
            raise InvalidInput(
                'Give a question string or {"question": ..., "history": [...], "filter": {...}}.'
            )
        unknown = set(inputs) - set(INPUTS)
        if unknown:
            raise InvalidInput(
                f"Unknown input(s): {', '.join(sorted(unknown))}; the pipeline takes {', '.join(INPUTS)}."
            )
        question = bot.validate_question(inputs["question"])
        history = tuple((bot.mend(q), a) for q, a in validate_history(inputs.get("history")))  # slips mended
        reply = smalltalk_reply(question)
        scope = None if reply is not None else bot.scope(inputs.get("doc_ids"), inputs.get("filter"))
        return {"question": question, "history": history, "doc_ids": scope, "smalltalk": reply,
                "started": time.perf_counter()}  # fmt: skip

    def rewrite(state: State) -> State:
        asked, rewritten = bot.rewrite(state["question"], state["history"])
        return {**state, "asked": asked, "standalone": rewritten or asked, "rewritten": rewritten is not None}

    def retrieve(state: State, config: RunnableConfig | None = None) -> State:
        passages = bot.search(state["standalone"], state["doc_ids"], config=config, history=state["history"])
        return {**state, "passages": passages}

    def finish(state: State, answer: Answer) -> Final:
        return Final(replace(answer, latency_ms=round((time.perf_counter() - state["started"]) * 1000, 2)))

    def read(state: State) -> Iterator[StreamEvent]:
        typed = state["question"] if state["question"] != state["asked"] else ""
        found = Retrieval(state["asked"], state["standalone"], state["passages"], state["rewritten"],
                          state["history"], typed)  # fmt: skip
        for event in read_events(bot, found):
            yield finish(state, event.answer) if isinstance(event, Final) else event

    def smalltalk(state: State) -> Iterator[StreamEvent]:
        reply = state["smalltalk"]
        yield Token(reply)
        yield finish(state, Answer(question=state["question"], text=reply, abstained=False, smalltalk=True,
                                   backend="smalltalk", kind="smalltalk"))  # fmt: skip

    return Pipeline(
        Component("prepare", INPUTS, ("question", "history", "doc_ids", "smalltalk", "started"), prepare),
        Component("smalltalk", ("question", "smalltalk", "started"), ("events",), smalltalk),
        (
            Component("rewrite", ("question", "history"), ("asked", "standalone", "rewritten"), rewrite),
            Component("retrieve", ("standalone", "history", "doc_ids"), ("passages",), retrieve),
            Component(
                "read",
                ("question", "asked", "standalone", "rewritten", "passages", "history", "started"),
                ("events",),
                read,
            ),
        ),
    )


def read_events(bot: QABot, found: Retrieval) -> Iterator[StreamEvent]:
    """The read stage: :class:`Token` pieces, then the :class:`Final` answer to ``found`` (its question, rewrite,
    passages and conversation), from the extractive answerer or, when one is configured, the LLM backend (which
    falls back to the extractive answer)."""
    from qa_bot.answering.credits import credited_spans
    from qa_bot.answering.offices import asked_office
    from qa_bot.answering.provenance import byline_spans
    from qa_bot.conversation import asks_for_another, reader_input
    from qa_bot.replies import cased, question_form_reply
    from qa_bot.text import asked_person

    given = [a for _, a in found.history] if asks_for_another(found.standalone) else []

    def extractive() -> Answer:
        question, turns = reader_input(found, bot.answerer.reads_history)
        names = cased(found)  # the question with its names written as the passages write them
        said, unreported = said_pieces(bot, found, names) if bot.settings.use_statements else ((), None)
        person = asked_person(names)  # "Who is Blinken?", "Where does Nader work?": the name is no answer
        return bot.answerer.answer(question, found.passages, exclude=given, history=turns, statements=said,
                                   unreported=unreported, identity=person[0] if person else None,
                                   avoid=credited_spans(found.passages) + byline_spans(found.passages),
                                   office=asked_office(names))  # fmt: skip

    def done(result: Answer) -> Final:
        rewritten = found.standalone if found.rewritten else None
        return Final(replace(result, question=found.typed or found.question, rewritten_question=rewritten,
                             dates=bot.dates_of(result)))  # fmt: skip

    lead = question_form_reply(bot, found)
    if lead is not None:  # "What is this article about?", "Who took the photo?", "Who wrote it?": any backend
        yield Token(lead.text)
        yield done(lead)
        return
    if bot.llm is None:
        result = extractive()
        yield Token(result.text)
        yield done(result)
        return
    for item in bot.llm.stream(found.standalone, found.passages, extractive):
        yield done(item) if isinstance(item, Answer) else Token(item)


def said_pieces(
    bot: QABot, found: Retrieval, question: str | None = None
) -> tuple[list[StatementPiece], str | None]:
    """For a question about something said, the statements of the retrieved passages' articles that match it,
    joined with their speakers for the reader (:mod:`qa_bot.answering.statements`), and the speaker it names when
    those articles report nothing that speaker said ("What did Macron say?"); for one asking who someone is ("Who
    is Blinken?"), the statements giving that speaker a role; none otherwise. ``question``: the standalone question
    with its names written as the passages write them (:func:`qa_bot.replies.cased`, computed when not given)."""
    from qa_bot.answering.statements import asks_about_statements, statement_pieces, unreported_speaker
    from qa_bot.replies import cased, role_pieces
    from qa_bot.text import asked_person

    question = question or cased(found)  # "what did macron say?": Macron, as the passages write him
    # "Who is Blinken?", "Where does Nader work?": the role a statement gives him
    person = asked_person(question)
    if not found.passages or not (person or asks_about_statements(question)):
        return [], None
    if person:  # the role a statement gives them, else one a sentence read now gives
        name, whole = person
        return role_pieces(bot, found, name, whole=whole), None
    said = {d: bot.statements(d) for d in found.article_ids}
    articles = [
        (bot.document(d), found_here) for d, found_here in said.items() if found_here
    ]  # text only if needed
    unreported = unreported_speaker(question, said.values())
    return statement_pieces(question, found.passages, articles), unreported


def final_answer(event: StreamEvent) -> Answer:
    """The :class:`Answer` of the pipeline's last event (``bot.chain`` ends with this)."""
    if not isinstance(event, Final):
        raise TypeError("the pipeline's last event is its Final answer")
    return event.answer


def prepare_networks(settings: Settings) -> dict[str, Path | None]:
    """Export the networks the question path runs (the query embedder, the reader and the polarity reader) for ONNX
    Runtime, unless cached (:mod:`qa_bot.runtime`): each one's file, or ``None`` where it falls back to PyTorch."""
    from qa_bot.answering.reader import TrainedReader
    from qa_bot.models import Embedder

    s = settings
    embedder = Embedder(runtime="onnx", cache_dir=s.model_cache_dir).warm_up()
    # the reader's graph answering will read (bf16 is PyTorch's: the default graph is exported then)
    precision = s.reader_precision if s.reader_precision in ("fp32", "int8") else "auto"
    reader = TrainedReader(s.reader_dir or None, precision=precision, cache_dir=s.model_cache_dir).warm_up()
    networks = {"embedder": embedder.onnx_path, "reader": reader.onnx_path}
    polarity = polarity_reader(s.with_(runtime="onnx", reader_precision=precision))
    if polarity is not None:
        networks["polarity"] = polarity.warm_up().network.onnx_path
    return networks


def trained_reader(settings: Settings) -> TrainedReader:
    """The shipped reader (or ``settings.reader_dir``'s), set up as ``settings`` say; it loads on first use."""
    from qa_bot.answering.reader import TrainedReader

    s = settings
    return TrainedReader(s.reader_dir or None, precision=s.reader_precision, runtime=s.runtime,
                         cache_dir=s.model_cache_dir)  # fmt: skip


def polarity_reader(settings: Settings) -> PolarityReader | None:
    """The polarity reader ``settings.polarity_dir`` names, set up as ``settings`` say (it loads on first use);
    ``None`` when it names none. A directory without its weights is a :class:`ModelUnavailable` naming it."""
    s = settings
    if not s.polarity_dir:  # off: nothing imported at the bot's start
        return None
    from qa_bot.answering.polarity import PolarityReader
    from qa_bot.errors import ModelUnavailable

    if not PolarityReader.available(s.polarity_dir):
        raise ModelUnavailable(
            f"No polarity reader in {s.polarity_dir} (make one with `qa-bot train-polarity`)"
        )
    return PolarityReader(s.polarity_dir, runtime=s.runtime, precision=s.reader_precision,
                          cache_dir=s.model_cache_dir)  # fmt: skip


def preload_networks(
    embedder: Any, reader: Any, settings: Settings, polarity: PolarityReader | None = None
) -> Any:
    """Load the question path's networks (``reader`` ``None``: :func:`trained_reader`; the ``polarity`` reader where
    there is one) in a daemon thread, started now, where all are exported already (an export, which imports torch,
    waits for the first question).
    What the loading imports is imported here, in the caller's thread: two threads importing the same module at
    once may see it half made. Returns the reader."""
    import threading

    import onnxruntime  # noqa: F401  (imported here, see above)
    import tokenizers  # noqa: F401

    from qa_bot.answering.model_io import reader_sources
    from qa_bot.models import embedder_sources
    from qa_bot.runtime import cached_path

    reader = reader or trained_reader(settings)
    if settings.runtime != "onnx" or not all(
        cached_path(name, sources, settings.model_cache_dir)
        for name, sources in (
            ("embedder", embedder_sources()),
            ("reader", reader_sources(settings.reader_dir or None)),
            *([("polarity", reader_sources(polarity.model_dir))] if polarity is not None else []),
        )
    ):
        return reader

    def load() -> None:
        for component in (embedder, reader, polarity):
            getattr(component, "warm_up", lambda: None)()

    threading.Thread(target=load, name="qa-bot-preload", daemon=True).start()
    return reader
