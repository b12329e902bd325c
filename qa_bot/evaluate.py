"""``qa-bot eval``: score the assistant and baselines on a SQuAD v2.0 file, article by article.

Protocol (the same for every system): a fresh temporary index; every article of the file is ingested as ONE
document (its paragraphs' contexts joined by a blank line, titled by the article title); every question is asked
against the whole index, with its ``history`` (if any) as the conversation so far. Which paragraph a question
came from is never looked at.

Metrics follow the official SQuAD v2.0 script (answer normalisation, EM, token F1, max over gold answers, empty
string = "no answer"), plus:

* abstention precision / recall — of the questions a system declined, how many were unanswerable; of the
  unanswerable questions, how many it declined;
* supported@1 — of the answerable questions a system answered, the share whose first citation contains a gold
  answer (after normalisation); ``supported_at_1_all`` in ``metrics.json`` counts declined ones as unsupported;
* latency p50 / p95 per question, and the time to build what the system needs (index, sentence index).
"""

from __future__ import annotations

import collections
import json
import math
import re
import string
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from qa_bot.errors import InvalidInput

__all__ = [
    "QUESTION_TYPES",
    "SYSTEMS",
    "TABLE_COLUMNS",
    "EvalArticle",
    "EvalQuestion",
    "EvalRun",
    "Prediction",
    "compute_exact",
    "compute_f1",
    "load_dataset",
    "normalize_answer",
    "question_type",
    "run_eval",
    "score",
    "supports",
    "table_rows",
    "write_report",
]

SYSTEMS = ("qa-bot", "abstain", "top-chunk", "bm25-sentence")
QUESTION_TYPES = ("who", "when", "where", "how many", "what", "which", "why", "how", "other")


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
    """Read a SQuAD v2.0 JSON file (``data[].title``, ``paragraphs[].context``, ``qas[]``)."""
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
    try:
        for a_i, art in enumerate(raw["data"]):
            title = str(art.get("title") or f"Article {a_i + 1}")
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


# -- official SQuAD v2.0 metrics ---------------------------------------------------------------------------
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_answer(s: str) -> str:
    """Lower case, drop punctuation and articles (a/an/the), collapse whitespace (the official recipe)."""
    s = "".join(ch for ch in s.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", s).split())


def _tokens(s: str) -> list[str]:
    return normalize_answer(s).split() if s else []


def _golds(answers: Sequence[str]) -> list[str]:
    golds = [a for a in answers if normalize_answer(a)]
    return golds or [""]


def compute_exact(answers: Sequence[str], prediction: str) -> int:
    """1 when the normalised prediction equals a normalised gold answer ("" for unanswerable)."""
    return max(int(normalize_answer(g) == normalize_answer(prediction)) for g in _golds(answers))


def compute_f1(answers: Sequence[str], prediction: str) -> float:
    """Token-overlap F1 against the best gold answer; both empty = 1, one empty = 0."""

    def f1(gold: str) -> float:
        g, p = _tokens(gold), _tokens(prediction)
        if not g or not p:
            return float(g == p)
        common = collections.Counter(g) & collections.Counter(p)
        same = sum(common.values())
        if same == 0:
            return 0.0
        precision, recall = same / len(p), same / len(g)
        return 2 * precision * recall / (precision + recall)

    return max(f1(g) for g in _golds(answers))


def _loose(s: str) -> str:
    """Like :func:`normalize_answer`, but any Unicode punctuation ("“”/’") becomes a word break."""
    s = "".join(" " if unicodedata.category(ch).startswith("P") or ch in _PUNCT else ch for ch in s.lower())
    return " ".join(_ARTICLES.sub(" ", s).split())


def supports(citation_text: str, answers: Sequence[str]) -> bool:
    """Whether a cited passage contains one of the gold answers as whole words (punctuation ignored)."""
    text = f" {_loose(citation_text)} "
    return any(f" {g} " in text for g in (_loose(a) for a in answers) if g)


def question_type(question: str) -> str:
    """who / when / where / how many / what / which / why / how / other, by the first wh-word."""
    words = re.findall(r"[a-z]+", question.lower())
    for i, w in enumerate(words):
        if w in {"who", "whom", "whose"}:
            return "who"
        if w == "how":
            return "how many" if i + 1 < len(words) and words[i + 1] in {"many", "much"} else "how"
        if w in {"when", "where", "what", "which", "why"}:
            return w
    return "other"


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


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


def score(questions: Sequence[EvalQuestion], predictions: dict[str, Prediction]) -> dict[str, Any]:
    """Every metric of one system over ``questions`` (each must have a prediction)."""
    rows = []
    for q in questions:
        p = predictions[q.qid]
        rows.append((q, p, compute_exact(q.answers, p.answer), compute_f1(q.answers, p.answer)))
    has = [r for r in rows if not r[0].is_impossible]
    no = [r for r in rows if r[0].is_impossible]
    abstained = [r for r in rows if not r[1].answer]
    answered_has = [r for r in has if r[1].answer]
    supported = [
        r for r in answered_has if r[1].citations and supports(r[1].citations[0]["text"], r[0].answers)
    ]

    def pct(part: float, whole: int) -> float | None:
        return round(100.0 * part / whole, 2) if whole else None

    by_type: dict[str, dict[str, Any]] = {}
    for t in QUESTION_TYPES:
        sel = [r for r in rows if question_type(r[0].question) == t]
        if sel:
            by_type[t] = {"n": len(sel), "f1": pct(sum(r[3] for r in sel), len(sel))}
    latencies = [r[1].latency_ms for r in rows]
    follow = [r for r in rows if r[0].history]
    alone = [r for r in rows if not r[0].history]
    return {
        "total": len(rows),
        "exact": pct(sum(r[2] for r in rows), len(rows)),
        "f1": pct(sum(r[3] for r in rows), len(rows)),
        "HasAns_total": len(has),
        "HasAns_exact": pct(sum(r[2] for r in has), len(has)),
        "HasAns_f1": pct(sum(r[3] for r in has), len(has)),
        "NoAns_total": len(no),
        "NoAns_exact": pct(sum(r[2] for r in no), len(no)),
        "NoAns_f1": pct(sum(r[3] for r in no), len(no)),
        "abstained": len(abstained),
        "abstention_precision": pct(sum(r[0].is_impossible for r in abstained), len(abstained)),
        "abstention_recall": pct(sum(not r[1].answer for r in no), len(no)),
        "answered_HasAns": len(answered_has),
        "supported_at_1": pct(len(supported), len(answered_has)),
        "supported_at_1_all": pct(len(supported), len(has)),
        "latency_ms_p50": round(_percentile(latencies, 0.5), 2),
        "latency_ms_p95": round(_percentile(latencies, 0.95), 2),
        "by_type": by_type,
        # follow-ups (questions with a ``history``) against standalone questions
        "followup_total": len(follow),
        "followup_f1": pct(sum(r[3] for r in follow), len(follow)),
        "standalone_total": len(alone),
        "standalone_f1": pct(sum(r[3] for r in alone), len(alone)),
    }


# -- systems -------------------------------------------------------------------------------------------------
class System(Protocol):
    name: str

    def prepare(self, bot: Any) -> float:
        """Build what the system needs beyond the shared index; returns seconds spent."""

    def predict(self, q: EvalQuestion) -> Prediction: ...


def _cite_chunk(c: Any) -> dict[str, Any]:
    return {"doc_id": c.doc_id, "title": c.title, "start": c.start, "end": c.end, "text": c.text}


class QABotSystem:
    """The product: ``QABot.ask(question, history)``."""

    name = "qa-bot"

    def prepare(self, bot: Any) -> float:
        self.bot = bot.warm_up()  # model loading, not indexing
        return 0.0

    def predict(self, q: EvalQuestion) -> Prediction:
        started = time.perf_counter()
        a = self.bot.ask(q.question, list(q.history))
        ms = (time.perf_counter() - started) * 1000
        cites = tuple(c.to_dict() for c in a.citations)
        return Prediction("" if a.abstained else a.text, cites, ms, a.confidence)


class AbstainSystem:
    """Always "the article doesn't say": the NoAns floor."""

    name = "abstain"

    def prepare(self, bot: Any) -> float:
        return 0.0

    def predict(self, q: EvalQuestion) -> Prediction:
        return Prediction("", (), 0.0, 0.0)


class TopChunkSystem:
    """A plain retrieval chain without a reader: the top Chroma (dense) chunk is the answer."""

    name = "top-chunk"

    def prepare(self, bot: Any) -> float:
        self.store = bot.store
        return 0.0

    def predict(self, q: EvalQuestion) -> Prediction:
        started = time.perf_counter()
        hits = self.store.dense_search(self.store.embedder.embed_one(q.question), 1)
        ms = (time.perf_counter() - started) * 1000
        if not hits:
            return Prediction("", (), ms, 0.0)
        c, sim = hits[0]
        return Prediction(c.text, (_cite_chunk(c),), ms, sim)


class BM25SentenceSystem:
    """The best BM25 sentence of all articles is the answer (the store's own :class:`LexicalIndex`, over
    sentences instead of chunks)."""

    name = "bm25-sentence"

    def prepare(self, bot: Any) -> float:
        from qa_bot.ingest import split_sentences
        from qa_bot.store import LexicalIndex
        from qa_bot.types import Chunk

        started = time.perf_counter()
        sentences: list[Chunk] = []
        for row in bot.documents():
            doc = bot.document(row["doc_id"])
            for s, e in split_sentences(doc.text, bot.nlp):
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
    bot_factory: Callable[[Path], Any] | None = None,
) -> EvalRun:
    """Ingest every article into a fresh temporary index, then run each system on every question.

    ``bot_factory(index_dir)`` makes the :class:`qa_bot.QABot` (tests pass fakes); ``progress(iterable, total,
    label)`` wraps the question loop (the CLI passes a progress bar).
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
        for art in articles:
            if art.title in wanted:
                bot.ingest_text(art.text, title=art.title, source=f"{Path(dataset).name}#{art.title}")
        run.index_seconds = time.perf_counter() - started
        for name in run.systems:
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


def write_report(run: EvalRun, out_dir: str | Path) -> list[Path]:
    """``metrics.json``, every system's predictions, and three PNG plots; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"Cannot create the report directory {out}: {exc.strerror}") from None
    written: list[Path] = []
    counts = collections.Counter(question_type(q.question) for q in run.questions)
    payload = {
        "dataset": run.dataset,
        "questions": len(run.questions),
        "question_types": dict(counts),
        "index_seconds": round(run.index_seconds, 3),
        "systems": run.metrics,
    }
    (out / "metrics.json").write_text(json.dumps(payload, indent=2), "utf-8")
    written.append(out / "metrics.json")
    for name in run.systems:
        path = out / f"predictions-{name}.json"
        path.write_text(json.dumps(run.predictions_json(name), ensure_ascii=False, indent=1), "utf-8")
        written.append(path)

    # F1 by question type, one bar group per type
    types = [t for t in QUESTION_TYPES if counts.get(t)]
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(types) + 2), 4))
    width = 0.8 / max(1, len(run.systems))
    for i, name in enumerate(run.systems):
        vals = [run.metrics[name]["by_type"].get(t, {}).get("f1") or 0.0 for t in types]
        ax.bar([x + i * width for x in range(len(types))], vals, width, label=name)
    ax.set_xticks([x + width * (len(run.systems) - 1) / 2 for x in range(len(types))])
    ax.set_xticklabels([f"{t}\n(n={counts[t]})" for t in types])
    ax.set_ylabel("F1")
    ax.set_ylim(0, 100)
    ax.set_title(f"F1 by question type — {Path(run.dataset).name}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars, never over them
    fig.tight_layout()
    written.append(_save(fig, out / "f1_by_type.png"))

    # confidence of the product (or the first system) for answerable vs unanswerable questions
    name = "qa-bot" if "qa-bot" in run.systems else run.systems[0]
    preds = run.predictions[name]
    fig, ax = plt.subplots(figsize=(6, 4))
    for impossible, label in ((False, "answerable"), (True, "unanswerable")):
        vals = [preds[q.qid].confidence or 0.0 for q in run.questions if q.is_impossible == impossible]
        if vals:
            ax.hist(vals, bins=20, range=(0, 1) if name == "qa-bot" else None, alpha=0.6, label=label)
    ax.set_xlabel(f"{name} confidence")
    ax.set_ylabel("questions")
    ax.set_title("Confidence: answerable vs unanswerable")
    ax.legend()
    fig.tight_layout()
    written.append(_save(fig, out / "confidence.png"))

    # latency per question
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in run.systems:
        vals = [p.latency_ms for p in run.predictions[name].values()]
        if any(vals):
            ax.hist(vals, bins=30, alpha=0.6, label=name)
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    ax.legend()
    fig.tight_layout()
    written.append(_save(fig, out / "latency.png"))
    return written


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
