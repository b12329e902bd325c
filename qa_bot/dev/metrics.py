"""The scores of ``qa-bot eval``: the official SQuAD v2.0 metrics (answer normalisation, EM, token F1, max over gold
answers, empty string = "no answer") and the ones added here (abstention precision/recall, supported@1, latency
percentiles, follow-up vs standalone F1, F1 by question type and by kind of turn, where the F1 is lost, and what
the yes/no turns were answered with)."""

from __future__ import annotations

import collections
import math
import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qa_bot.text import QUESTION_TYPES, question_type

if TYPE_CHECKING:
    from qa_bot.dev.evaluate import EvalQuestion, Prediction

__all__ = [
    "LOSS_KINDS",
    "TURN_KINDS",
    "YES_NO_OUTCOMES",
    "compute_exact",
    "compute_f1",
    "loss_kind",
    "normalize_answer",
    "percentile",
    "score",
    "supports",
    "turn_kind",
    "yes_no_outcome",
]

TURN_KINDS = ("first turn", "pronoun follow-up", "elliptical follow-up", "other follow-up", "yes/no")
_YES_NO = {"yes", "no"}
# what each question's F1 short of 1 goes to (see :func:`loss_kind`)
LOSS_KINDS = ("right", "longer than gold", "shorter than gold", "wrong answer", "declined, answerable",
              "answered, unanswerable")  # fmt: skip

# what a yes/no turn was answered with, and a verdict given where the gold answer is words (:func:`yes_no_outcome`)
YES_NO_OUTCOMES = (
    "verdict right",
    "verdict wrong",
    "words, no verdict",
    "declined",
    "verdict, gold is words",
)

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


def loss_kind(question: EvalQuestion, prediction: str, f1: float) -> str:
    """Which of :data:`LOSS_KINDS` a prediction of F1 ``f1`` is: right (F1 1); for an answerable question an
    answer that overlaps the nearest gold answer but holds more words than it or fewer, one that shares no word
    with any (a wrong span, a wrong yes / no), or a declined one; an answer to an unanswerable question."""
    if f1 >= 1.0:
        return "right"
    if question.is_impossible:
        return "answered, unanswerable"
    if not _tokens(prediction):
        return "declined, answerable"
    if f1 <= 0.0:
        return "wrong answer"
    nearest = max(_golds(question.answers), key=lambda g: compute_f1([g], prediction))
    return "longer than gold" if len(_tokens(prediction)) > len(_tokens(nearest)) else "shorter than gold"


def _loose(s: str) -> str:
    """Like :func:`normalize_answer`, but any Unicode punctuation ("“”/’") becomes a word break."""
    s = "".join(" " if unicodedata.category(ch).startswith("P") or ch in _PUNCT else ch for ch in s.lower())
    return " ".join(_ARTICLES.sub(" ", s).split())


def supports(citation_text: str, answers: Sequence[str]) -> bool:
    """Whether a cited passage contains one of the gold answers as whole words (punctuation ignored)."""
    text = f" {_loose(citation_text)} "
    return any(f" {g} " in text for g in (_loose(a) for a in answers) if g)


def turn_kind(question: EvalQuestion) -> str:
    """Which of :data:`TURN_KINDS` a question is: "yes/no" when its gold answer is yes or no; else "first turn"
    without a history; else a "pronoun follow-up" when it has a pronoun ("Where is she now?"), an "elliptical
    follow-up" when it is a fragment of at most four words ("County?", "With whom?"), an "other follow-up"."""
    from qa_bot.conversation import PRONOUNS
    from qa_bot.text import words

    if question.answers and all(normalize_answer(a) in _YES_NO for a in question.answers):
        return "yes/no"
    if not question.history:
        return "first turn"
    said = words(question.question)
    if set(said) & PRONOUNS:
        return "pronoun follow-up"
    return "elliptical follow-up" if len(said) <= 4 else "other follow-up"


def yes_no_outcome(question: EvalQuestion, prediction: str) -> str | None:
    """Which of :data:`YES_NO_OUTCOMES` an answer is: for a yes/no turn (:func:`turn_kind`) the verdict right or
    wrong, the article's words without a verdict (read as a span, or a verdict held back), or declined; for a turn
    whose gold answer is words, "verdict, gold is words" when a yes or a no was given; else ``None``. It splits
    the yes/no turns' misses into the answer-kind decision's (no verdict, or one where none was asked for) and the
    polarity's (the wrong verdict)."""
    said = normalize_answer(prediction)
    if turn_kind(question) != "yes/no":
        return "verdict, gold is words" if said in _YES_NO and not question.is_impossible else None
    if not said:
        return "declined"
    if said not in _YES_NO:
        return "words, no verdict"
    return "verdict right" if said in {normalize_answer(a) for a in question.answers} else "verdict wrong"


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def score(questions: Sequence[EvalQuestion], predictions: Mapping[str, Prediction]) -> dict[str, Any]:
    """Every metric of one system over ``questions`` (each must have a prediction)."""
    rows = []
    for q in questions:
        p = predictions[q.qid]
        rows.append((q, p, compute_exact(q.answers, p.answer), compute_f1(q.answers, p.answer)))
    has = [r for r in rows if not r[0].is_impossible]
    no = [r for r in rows if r[0].is_impossible]
    abstained = [r for r in rows if not r[1].answer]
    answered_has = [r for r in has if r[1].answer]
    # a yes/no gold answer is not a phrase of the article: supported@1 counts the other answerable questions
    quotable = [r for r in answered_has if turn_kind(r[0]) != "yes/no"]
    supported = [r for r in quotable if r[1].citations and supports(r[1].citations[0]["text"], r[0].answers)]

    def pct(part: float, whole: int) -> float | None:
        return round(100.0 * part / whole, 2) if whole else None

    by_type: dict[str, dict[str, Any]] = {}
    for t in QUESTION_TYPES:
        sel = [r for r in rows if question_type(r[0].question) == t]
        if sel:
            by_type[t] = {"n": len(sel), "f1": pct(sum(r[3] for r in sel), len(sel))}
    by_turn: dict[str, dict[str, Any]] = {}
    for t in TURN_KINDS:
        sel = [r for r in rows if turn_kind(r[0]) == t]
        answerable = [r for r in sel if not r[0].is_impossible]
        if sel:
            by_turn[t] = {"n": len(sel), "f1": pct(sum(r[3] for r in sel), len(sel)),
                          "abstained_answerable": pct(sum(not r[1].answer for r in answerable), len(answerable))}  # fmt: skip
    # what the F1 short of 100 goes to: questions of each kind, and the F1 points they lose (summing to 100 - F1)
    kinds = [loss_kind(r[0], r[1].answer, r[3]) for r in rows]
    losses: dict[str, dict[str, Any]] = {}
    for k in LOSS_KINDS:
        lost = [1.0 - r[3] for r, c in zip(rows, kinds, strict=True) if c == k]
        losses[k] = {"n": len(lost), "points": pct(sum(lost), len(rows))}
    outcomes = collections.Counter(yes_no_outcome(r[0], r[1].answer) for r in rows)
    latencies = [r[1].latency_ms for r in rows]
    follow = [r for r in rows if r[0].history]
    alone = [r for r in rows if not r[0].history]
    # an answer cited from another article than the question's (in an index of several: another story's words)
    cited = [r for r in rows if r[1].answer and r[1].citations and r[0].article]
    elsewhere = [r for r in cited if r[1].citations[0].get("title") != r[0].article]
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
        "abstained_HasAns": pct(len(has) - len(answered_has), len(has)),
        "supported_at_1": pct(len(supported), len(quotable)),
        "supported_at_1_all": pct(len(supported), len([r for r in has if turn_kind(r[0]) != "yes/no"])),
        "latency_ms_p50": round(percentile(latencies, 0.5), 2),
        "latency_ms_p95": round(percentile(latencies, 0.95), 2),
        "by_type": by_type,
        "by_turn": by_turn,
        "losses": losses,
        "yes_no": {k: {"n": outcomes[k]} for k in YES_NO_OUTCOMES} if outcomes.keys() - {None} else {},
        # follow-ups (questions with a ``history``) against standalone questions
        "followup_total": len(follow),
        "followup_f1": pct(sum(r[3] for r in follow), len(follow)),
        "standalone_total": len(alone),
        "standalone_f1": pct(sum(r[3] for r in alone), len(alone)),
        "answered_elsewhere": pct(len(elsewhere), len(cited)),
        "followups_answered_elsewhere": pct(
            sum(bool(r[0].history) for r in elsewhere), sum(bool(r[0].history) for r in cited)
        ),
    }
