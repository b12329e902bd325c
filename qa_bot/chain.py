"""The pipeline as a LangChain Runnable: ``prepare | rewrite | retrieve | read``.

- ``prepare``: a question string or ``{"question", "history"?}`` -> ``{"question", "history"}``;
- ``rewrite``: adds ``standalone`` (a follow-up's rewrite, see :meth:`QABot.rewrite`) and ``asked`` (the
  validated question);
- ``retrieve``: adds ``passages``, from ``HybridRetriever.invoke`` inside this run, so a callback handler on the
  chain sees the retriever run (its ``on_retriever_start``/``on_retriever_end``), and in a conversation the passage
  of its last answer;
- ``read``: the :class:`Answer` (extractive, or the LLM backend's), with the rewrite and latency filled in.

Small talk ("hi", "thanks") is answered at the read step without retrieval, as in :meth:`QABot.stream`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from qa_bot.errors import InvalidInput
from qa_bot.types import Answer, Retrieval

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable, RunnableConfig

    from qa_bot.bot import ChainInput, QABot

__all__ = ["build_chain"]


def build_chain(bot: QABot) -> Runnable[ChainInput, Answer]:
    from langchain_core.runnables import RunnableLambda

    from qa_bot.conversation import validate_history
    from qa_bot.smalltalk import smalltalk_reply

    def prepare(inputs: ChainInput) -> dict[str, Any]:
        if isinstance(inputs, str):
            return {"question": inputs, "history": [], "started": time.perf_counter()}
        if isinstance(inputs, Mapping) and "question" in inputs:
            return {"question": inputs["question"], "history": inputs.get("history") or [],
                    "started": time.perf_counter()}  # fmt: skip
        raise InvalidInput('Chain input must be a question string or {"question": ..., "history": [...]}.')

    def rewrite(state: dict[str, Any]) -> dict[str, Any]:
        asked = bot.validate_question(state["question"])
        if smalltalk_reply(asked) is not None:
            return {**state, "asked": asked, "smalltalk": True}
        asked, rewritten = bot.rewrite(asked, state["history"])
        history = validate_history(state["history"])
        return {**state, "asked": asked, "standalone": rewritten or asked, "rewritten": rewritten is not None,
                "history": history}  # fmt: skip

    def retrieve(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        if state.get("smalltalk"):
            return {**state, "passages": ()}
        return {**state, "passages": bot.converse(state["standalone"], state["history"], config=config)}

    def read(state: dict[str, Any]) -> Answer:
        if state.get("smalltalk"):
            return bot.ask(state["asked"])
        found = Retrieval(state["asked"], state["standalone"], state["passages"], rewritten=state["rewritten"],
                          history=tuple(state["history"]))  # fmt: skip
        result = bot.read(found, state["history"])
        return replace(result, latency_ms=round((time.perf_counter() - state["started"]) * 1000, 2))

    return (
        RunnableLambda(prepare, name="prepare")
        | RunnableLambda(rewrite, name="rewrite")
        | RunnableLambda(retrieve, name="retrieve")
        | RunnableLambda(read, name="read")
    ).with_config(run_name="qa_bot")
