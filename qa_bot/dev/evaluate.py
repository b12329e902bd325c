"""``qa-bot eval``: score the assistant and baselines on a SQuAD v2.0 file, article by article.

Protocol (the same for every system): a fresh temporary index; every article of the file is ingested as ONE
document (its paragraphs' contexts joined by a blank line, titled by the article title); every question is asked
against the whole index, with its ``history`` (if any) as the conversation so far. Which paragraph a question
came from is never looked at. With ``own_history`` the product's earlier turns carry the answers it gave itself
(as in a chat, where an early miss or "The article doesn't say." stays in the conversation), not the gold ones;
with ``per_article`` each question is asked about its own article only (as a user who points qa-bot at one).

Metrics follow the official SQuAD v2.0 script (answer normalisation, EM, token F1, max over gold answers, empty
string = "no answer"), plus:

* abstention precision / recall — of the questions a system declined, how many were unanswerable; of the
  unanswerable questions, how many it declined;
* supported@1 — of the answerable questions a system answered, the share whose first citation contains a gold
  answer (after normalisation); ``supported_at_1_all`` in ``metrics.json`` counts declined ones as unsupported;
* latency p50 / p95 per question, and the time to build what the system needs (index, sentence index).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qa_bot.dev.metrics import score
from qa_bot.errors import InvalidInput
from qa_bot.types import Chunk

if TYPE_CHECKING:
    from qa_bot.bot import QABot

__all__ = [
    "SYSTEMS",
    "TABLE_COLUMNS",
    "EvalArticle",
    "EvalQuestion",
    "EvalRun",
    "Prediction",
    "load_dataset",
    "run_eval",
    "table_rows",
]

SYSTEMS = ("qa-bot", "abstain", "top-chunk", "bm25-sentence")


# -- dataset ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalQuestion:
    qid: str
    question: str
    answers: tuple[str, ...]  # gold texts; empty for unanswerable
    is_impossible: bool
    history: tuple[tuple[str, str], ...] = ()
    article: str = ""


@dataclass(frozen=True)
class EvalArticle:
    title: str
    text: str  # paragraphs joined by a blank line
    questions: tuple[EvalQuestion, ...]


def load_dataset(path: str | Path) -> list[EvalArticle]:
    """Read a SQuAD v2.0 JSON file (``data[].title``, ``paragraphs[].context``, ``qas[]``). An article's title is
    what its questions are scoped and its citations checked by, so a title already taken is made unique: the
    second "Markets" article is "Markets (2)"."""
    p = Path(path)
    try:
        raw = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"Dataset not found: {p}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"Cannot read {p} as SQuAD v2.0 JSON: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise InvalidInput(f"{p} is not SQuAD v2.0 JSON: no top-level 'data' list.")
    articles: list[EvalArticle] = []
    taken: set[str] = set()
    try:
        for a_i, art in enumerate(raw["data"]):
            title = _unique(str(art.get("title") or f"Article {a_i + 1}"), taken)
            contexts: list[str] = []
            questions: list[EvalQuestion] = []
            for para in art["paragraphs"]:
                contexts.append(para["context"])
                for qa in para["qas"]:
                    impossible = bool(qa.get("is_impossible", False))
                    answers = () if impossible else tuple(a["text"] for a in qa.get("answers", []))
                    history = tuple((str(h[0]), str(h[1])) for h in qa.get("history") or ())
                    questions.append(
                        EvalQuestion(str(qa["id"]), qa["question"], answers, impossible, history, title)
                    )
            articles.append(EvalArticle(title, "\n\n".join(c.strip() for c in contexts), tuple(questions)))
    except (KeyError, TypeError, IndexError) as exc:
        raise InvalidInput(f"{p} is not SQuAD v2.0 JSON: missing or malformed field {exc}.") from None
    if not any(a.questions for a in articles):
        raise InvalidInput(f"{p} holds no questions.")
    return articles


def _unique(title: str, taken: set[str]) -> str:
    """``title``, or ``title (2)``, ``(3)``, ... when it is in ``taken``; the one returned is added to it."""
    name, n = title, 1
    while name in taken:
        n += 1
        name = f"{title} ({n})"
    taken.add(name)
    return name


# -- predictions ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prediction:
    answer: str  # "" = abstained
    citations: tuple[dict[str, Any], ...] = ()
    latency_ms: float = 0.0
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``--out`` shape: ``{"answer", "citations": [{doc_id, title, start, end, text}], "latency_ms"}``."""
        keys = ("doc_id", "title", "start", "end", "text")
        return {
            "answer": self.answer,
            "citations": [{k: c[k] for k in keys} for c in self.citations],
            "latency_ms": round(self.latency_ms, 3),
        }


# -- systems -------------------------------------------------------------------------------------------------
class System(Protocol):
    name: str

    def prepare(self, bot: QABot) -> float:
        """Build what the system needs beyond the shared index; returns seconds spent."""

    def predict(self, q: EvalQuestion) -> Prediction: ...


def _cite_chunk(c: Chunk) -> dict[str, Any]:
    return {"doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end, "text": c.text}


class QABotSystem:
    """The product: ``QABot.ask(question, history)``. With ``own_history``, a turn's history holds the answers the
    bot gave to the earlier turns of the same conversation (the ones it was asked before; the gold answer of any
    it was not), not the dataset's. ``scopes``: the articles each question may be answered from, by its
    article's title (none given, or a title not there: all)."""

    name = "qa-bot"

    def __init__(self, own_history: bool = False, scopes: Mapping[str, Sequence[str]] | None = None) -> None:
        self.own_history = own_history
        self.scopes = dict(scopes or {})
        # (article, the gold turns before it, question) -> the bot's answer: one conversation's turn exactly
        self._said: dict[tuple[str, tuple[tuple[str, str], ...], str], str] = {}

    def history(self, q: EvalQuestion) -> list[tuple[str, str]]:
        """The conversation ``q`` is asked after (see the class docstring)."""
        if not self.own_history:
            return list(q.history)
        return [
            (hq, self._said.get((q.article, q.history[:i], hq), ha)) for i, (hq, ha) in enumerate(q.history)
        ]

    def prepare(self, bot: QABot) -> float:
        self.bot = bot.warm_up()  # model loading, not indexing
        return 0.0

    def predict(self, q: EvalQuestion) -> Prediction:
        started = time.perf_counter()
        a = self.bot.ask(q.question, self.history(q), doc_ids=self.scopes.get(q.article))
        ms = (time.perf_counter() - started) * 1000
        self._said[(q.article, q.history, q.question)] = a.text
        cites = tuple(c.to_dict() for c in a.citations)
        return Prediction("" if a.abstained else a.text, cites, ms, a.confidence)


class AbstainSystem:
    """Always "the article doesn't say": the NoAns floor."""

    name = "abstain"

    def prepare(self, bot: QABot) -> float:
        return 0.0

    def predict(self, q: EvalQuestion) -> Prediction:
        return Prediction("", (), 0.0, 0.0)


class TopChunkSystem:
    """A plain retrieval chain without a reader: the top Chroma (dense) chunk is the answer."""

    name = "top-chunk"

    def prepare(self, bot: QABot) -> float:
        self.bot = bot
        return 0.0

    def predict(self, q: EvalQuestion) -> Prediction:
        started = time.perf_counter()
        hits = self.bot.nearest_chunks(q.question, 1)
        ms = (time.perf_counter() - started) * 1000
        if not hits:
            return Prediction("", (), ms, 0.0)
        c, sim = hits[0]
        return Prediction(c.text, (_cite_chunk(c),), ms, sim)


class BM25SentenceSystem:
    """The best BM25 sentence of all articles is the answer (the store's own :class:`LexicalIndex`, over
    sentences instead of chunks)."""

    name = "bm25-sentence"

    def prepare(self, bot: QABot) -> float:
        from qa_bot.store import LexicalIndex
        from qa_bot.types import Chunk

        started = time.perf_counter()
        sentences: list[Chunk] = []
        for row in bot.documents():
            doc = bot.document(row.doc_id)
            for s, e in bot.split_sentences(doc.text):
                sentences.append(Chunk(f"{doc.doc_id}:{s}", doc.doc_id, doc.title, s, e, doc.text[s:e]))
        self.index = LexicalIndex(sentences)
        return time.perf_counter() - started

    def predict(self, q: EvalQuestion) -> Prediction:
        started = time.perf_counter()
        hits = self.index.search(q.question, 1)
        ms = (time.perf_counter() - started) * 1000
        if not hits:
            return Prediction("", (), ms, 0.0)
        c, bm25 = hits[0]
        return Prediction(c.text, (_cite_chunk(c),), ms, bm25)


_FACTORIES: dict[str, Callable[[], System]] = {
    "qa-bot": QABotSystem,
    "abstain": AbstainSystem,
    "top-chunk": TopChunkSystem,
    "bm25-sentence": BM25SentenceSystem,
}


# -- the run -------------------------------------------------------------------------------------------------
@dataclass
class EvalRun:
    dataset: str
    systems: list[str]
    questions: list[EvalQuestion]
    predictions: dict[str, dict[str, Prediction]] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    index_seconds: float = 0.0

    def predictions_json(self, system: str) -> dict[str, Any]:
        return {qid: p.to_dict() for qid, p in self.predictions[system].items()}


def run_eval(
    dataset: str | Path,
    systems: Sequence[str] = SYSTEMS,
    *,
    limit: int | None = None,
    progress: Callable[[Iterable[Any], int, str], Iterable[Any]] | None = None,
    bot_factory: Callable[[Path], QABot] | None = None,
    own_history: bool = False,
    per_article: bool = False,
) -> EvalRun:
    """Ingest every article into a fresh temporary index, then run each system on every question.

    ``bot_factory(index_dir)`` makes the :class:`qa_bot.QABot` (tests pass fakes); ``progress(iterable, total,
    label)`` wraps the question loop (the CLI passes a progress bar); ``own_history``: see :class:`QABotSystem`;
    ``per_article``: qa-bot answers each question from its own article only (the other systems search the whole
    index).
    """
    unknown = [s for s in systems if s not in _FACTORIES]
    if unknown:
        raise InvalidInput(f"Unknown system(s): {', '.join(unknown)}. Choose from: {', '.join(SYSTEMS)}.")
    if limit is not None and limit <= 0:
        raise InvalidInput("--limit must be a positive number of questions.")
    articles = load_dataset(dataset)
    questions = [q for a in articles for q in a.questions][:limit]
    wanted = {q.article for q in questions}
    run = EvalRun(str(dataset), list(dict.fromkeys(systems)), questions)
    wrap = progress or (lambda it, total, label: it)
    with tempfile.TemporaryDirectory(prefix="qa-bot-eval-") as tmp:
        if bot_factory is None:
            from qa_bot.bot import QABot

            bot = QABot(index_dir=Path(tmp) / "index")
        else:
            bot = bot_factory(Path(tmp) / "index")
        bot.warm_up()  # model loading is not ingest time
        started = time.perf_counter()
        scopes: dict[str, tuple[str, ...]] = {}
        for art in articles:
            if art.title in wanted:
                report = bot.ingest_text(
                    art.text, title=art.title, source=f"{Path(dataset).name}#{art.title}"
                )
                scopes[art.title] = report.doc_ids
        run.index_seconds = time.perf_counter() - started
        for name in run.systems:
            if name == "qa-bot":
                system: System = QABotSystem(own_history, scopes if per_article else None)
            else:
                system = _FACTORIES[name]()
            build = system.prepare(bot)
            preds: dict[str, Prediction] = {}
            for q in wrap(questions, len(questions), name):
                try:
                    preds[q.qid] = system.predict(q)
                except InvalidInput:  # a question the bot refuses (e.g. over the length limit) is declined
                    preds[q.qid] = Prediction("", (), 0.0, 0.0)
            run.predictions[name] = preds
            metrics = score(questions, preds)
            metrics["ingest_seconds"] = round((name != "abstain") * run.index_seconds + build, 3)
            run.metrics[name] = metrics
    return run


# -- report --------------------------------------------------------------------------------------------------
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("EM", "exact"),
    ("F1", "f1"),
    ("HasAns EM", "HasAns_exact"),
    ("HasAns F1", "HasAns_f1"),
    ("NoAns EM/F1", "NoAns_f1"),
    ("Abst. P", "abstention_precision"),
    ("Abst. R", "abstention_recall"),
    ("supp@1", "supported_at_1"),
    ("F1 follow-up", "followup_f1"),
    ("F1 standalone", "standalone_f1"),
    ("p50 ms", "latency_ms_p50"),
    ("p95 ms", "latency_ms_p95"),
    ("ingest s", "ingest_seconds"),
)


def table_rows(run: EvalRun) -> list[list[str]]:
    def fmt(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "—"
        if isinstance(v, float):
            return f"{v:.2f}" if 0 < abs(v) < 1 else f"{v:.1f}"
        return str(v)

    return [[name] + [fmt(run.metrics[name].get(key)) for _, key in TABLE_COLUMNS] for name in run.systems]
