"""``qa-bot eval --report``: metrics.json, every system's predictions, and PNG plots (matplotlib)."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_bot.errors import InvalidInput
from qa_bot.text import QUESTION_TYPES, question_type

if TYPE_CHECKING:
    from qa_bot.dev.evaluate import EvalRun

__all__ = ["write_report"]


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
