"""The kind of thing a question asks for: an answer whose type the question all but rules out is passed over.

The reader scores each span on its own and knows answer types only as well as its training taught it: "How much
will Cisco pay for Acacia?" was answered "31.8%" (the share price's rise, margin 4.1) over "$4.5 Billion" (2.5).
:class:`AnswerTypes` is a multinomial logistic regression from the question's words (its wh-word with the one or
two words after it, and each of its words) to the spaCy (OntoNotes) entity type of its answer — ``MONEY``,
``PERCENT``, ``DATE``, ``PERSON`` … or ``O`` (no entity) — fitted on SQuAD v1.1 train's questions, whose gold
answers spaCy's NER typed in their paragraphs (``qa-bot fit-answer-types``, :mod:`qa_bot.dev.answer_types`; stored
beside the reader's weights as ``answer_types.json``, the held-out accuracy and log loss with it).

A span's type is that of the entity that covers at least half of it (else ``O``), by spaCy's NER of the article
at ingest (``Chunk.entities``: no spaCy at question time; a chunk stored before they were kept is not typed). The
answerer passes over its best span when the model gives that type a probability below ``floor`` and a span of a
likelier type is within ``window`` margin points of it ("31.8%": P(PERCENT) 0.037 for a "How much … pay"
question; "$4.5 Billion", MONEY 0.62, 1.6 points behind); a span that is no entity takes its place only where the
question expects no entity at least ``plain`` likely ("How fast were they going?": "high rate of speed" over
"7:30", P(TIME) 0.004, P(O) 0.67). ``floor`` and ``window`` were chosen on the dev sets (seed, news, SQuAD 2),
``plain`` on those and CoQA's CNN split (0.3 and 0.2 changed the same answers, 0.5 fewer); the paraphrase set and
the blind sets measure them. Yes / no questions are left to the answer kind. A follow-up with no wh-word ("In
dollars?") asks in the form of the question before it, which is read with it (:func:`typed_question`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa_bot.answering.names import NAME_LABELS, title_case
from qa_bot.errors import ModelUnavailable

__all__ = [
    "ANSWER_TYPES_FILE",
    "NO_ENTITY",
    "AnswerTypes",
    "question_features",
    "span_type",
    "typed_question",
    "typed_span",
]

ANSWER_TYPES_FILE = "answer_types.json"  # beside the reader's weights
NO_ENTITY = "O"
_WH = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})
_WORD = re.compile(r"[a-z0-9]+")


def question_features(question: str) -> list[str]:
    """The features the type model reads: a bias, the first wh-word with the one and the two words after it
    ("wh1=how_much", "wh2=how_much_will"; "wh=none" without one) and each distinct word of the question."""
    words = _WORD.findall(question.lower())
    found = ["bias"]
    at = next((i for i, w in enumerate(words) if w in _WH), None)
    if at is None:
        found.append("wh=none")
    else:
        after = [*words[at + 1 : at + 3], "", ""]
        found += [f"wh={words[at]}", f"wh1={words[at]}_{after[0]}", f"wh2={words[at]}_{after[0]}_{after[1]}"]
    found += [f"w={w}" for w in dict.fromkeys(words)]
    return found


def typed_question(question: str, history: Sequence[tuple[str, str]] = ()) -> str:
    """What the type is read from: the question; a follow-up with no wh-word ("In dollars?", "And his wife?") asks
    in the form of the question before it, so that one's words come first ("How much will it invest? In dollars?")."""
    if not history or any(w in _WH for w in _WORD.findall(question.lower())):
        return question
    return f"{history[-1][0]} {question}"


def span_type(entities: Sequence[tuple[int, int, str]], start: int, end: int) -> str:
    """The type of the span ``start:end`` of a sentence: the label of the entity overlapping it most, when that
    covers at least half of the span; else :data:`NO_ENTITY`."""
    best, label = 0, NO_ENTITY
    for a, b, name in entities:
        overlap = min(end, b) - max(start, a)
        if overlap > best:
            best, label = overlap, name
    return label if best >= 0.5 * (end - start) else NO_ENTITY


def typed_span(
    entities: Sequence[tuple[int, int, str]] | None, start: int, end: int, sentence: str
) -> str | None:
    """The type of the span ``start:end`` of a chunk by the chunk's ``entities`` found at ingest (:func:`span_type`);
    ``None`` (not known) when none were looked for, and in a ``sentence`` written in title case, a headline, whose
    capitalised words spaCy reads as names of any kind ("Cisco Agrees": FAC), unless it is an amount, a number or a
    date, which it reads there as anywhere."""
    if entities is None:
        return None
    label = span_type(entities, start, end)
    names = label == NO_ENTITY or label in NAME_LABELS  # not an amount, a number or a date
    return None if names and title_case(sentence) else label


@dataclass(frozen=True)
class AnswerTypes:
    """P(answer type | question) and the rule that passes over an unlikely type (see the module docstring)."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]] = field(default_factory=dict, compare=False)
    floor: float = 0.0  # a span type less likely than this …
    window: float = 0.0  # … is passed over for a likelier one at most this many margin points behind
    # … or for a span that is no entity, when the question expects none at least this likely (0: never)
    plain: float = 0.0

    def __post_init__(self) -> None:
        if len(self.bias) != len(self.labels) or any(
            len(w) != len(self.labels) for w in self.weights.values()
        ):
            raise ValueError("every weight vector needs one weight per label")
        if not 0.0 <= self.floor <= 1.0 or not 0.0 <= self.plain <= 1.0 or self.window < 0.0:
            raise ValueError("floor and plain are probabilities and window a non-negative margin")

    def probabilities(self, question: str) -> dict[str, float]:
        """P(type) for each label, given the question's words."""
        logits = list(self.bias)
        for f in question_features(question):
            for k, w in enumerate(self.weights.get(f, ())):
                logits[k] += w
        top = max(logits)
        exp = [math.exp(x - top) for x in logits]
        total = sum(exp)
        return {label: e / total for label, e in zip(self.labels, exp, strict=True)}

    def unlikely(self, probabilities: Mapping[str, float], label: str | None) -> bool:
        """Whether an answer of type ``label`` is one the question all but rules out (``None``: type not known)."""
        return label is not None and probabilities.get(label, 0.0) < self.floor

    def expects(self, probabilities: Mapping[str, float], label: str | None) -> bool:
        """Whether an answer of type ``label`` may take the place of an unlikely one: an entity of a known type the
        question does not rule out; a span that is no entity only where the question expects no entity at least
        :attr:`plain` likely ("How fast were they going?": "high rate of speed" for "7:30", a time) — elsewhere
        it is no surer an answer than the one passed over."""
        if label == NO_ENTITY:
            return bool(self.plain) and probabilities.get(NO_ENTITY, 0.0) >= self.plain
        return label is not None and not self.unlikely(probabilities, label)

    @classmethod
    def load(cls, model_dir: str | Path | None = None) -> AnswerTypes | None:
        """The model stored beside the reader's weights (the shipped reader's when ``model_dir`` is None); None
        when none was fitted."""
        from qa_bot.answering.model_io import MODEL_DIR

        p = Path(model_dir or MODEL_DIR) / ANSWER_TYPES_FILE
        if not p.exists():
            return None
        try:
            raw = json.loads(p.read_text("utf-8"))
            return cls(
                tuple(raw["labels"]),
                tuple(map(float, raw["bias"])),
                {f: tuple(map(float, w)) for f, w in raw["weights"].items()},
                float(raw["floor"]),
                float(raw["window"]),
                float(raw.get("plain", 0.0)),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelUnavailable(f"Cannot read the answer-type model {p}: {exc}") from None
