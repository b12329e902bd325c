"""Answer stage: pick a short span of the retrieved text that answers the question, or abstain.

No text is generated: every answer is a span of a stored article, and its citation is the sentence holding it.

1. The question is parsed (spaCy) into its wh-word, the answer type it expects (a person for *who*, a number
   for *how many*, a place for *where* or *which city* ...), its content words and, when it has one, the verb and
   the slot the wh-word fills ("who **denied** ..." asks for the subject of *deny*).
2. Sentences of the retrieved passages are scored by how much of the question they contain (stems weighted by
   part of speech, neighbouring sentences counting half) and by embedding similarity.
3. Candidate spans in the best sentences (entities, noun chunks, numbers with their modifiers, quoted speech,
   coordinated lists, proper-noun runs, and the filler of the asked-for slot of the matched verb) are scored by
   sentence score, answer-type match, closeness to the matched question words, the dependency slot, and a
   penalty for repeating the question.
4. When the best score is low, a key name of the question is absent from the passages, or nothing of the
   expected type exists, the answer is "The article doesn't say." with the nearest passages as ``related``.
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_bot.text import is_stop_word, stem
from qa_bot.types import ABSTAIN_TEXT, Answer, Citation, Passage

__all__ = [
    "MODEL_FILE",
    "Analysis",
    "AnswerModel",
    "ExtractiveAnswerer",
    "LinearModel",
    "QuestionInfo",
    "analyze_question",
    "answer_features",
    "best_rival",
    "choose",
]

MODEL_FILE = Path(__file__).with_name("answer_model.json")

WH_WORDS = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how"}
PERSON = {"PERSON"}
PERSON_WEAK = {"ORG", "NORP", "GPE", "PROPN"}
PLACE = {"GPE", "LOC", "FAC"}
DATE = {"DATE", "TIME"}
NUMBER = {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}

# The answer type that a "which/what <noun>" question asks for, by the noun's lemma.
FOCUS_TYPES: dict[str, set[str]] = {}
for _labels, _words in (
    (
        PERSON,
        "person man woman leader president minister spokesman spokeswoman spokesperson ceo official author"
        " researcher scientist physicist professor doctor king queen ruler emperor director founder writer actor"
        " chairman chairwoman secretary general officer representative journalist photographer player coach"
        " judge senator governor mayor chief executive lawyer ambassador commander son daughter father mother"
        " wife husband brother sister duke count",
    ),
    (
        {"ORG"},
        "newspaper journal company organization organisation group agency firm university team party magazine"
        " publication outlet paper network bank institution college school army force corporation union"
        " committee council club court",
    ),
    (PLACE, "city country state nation region town place location area province capital continent island"),
    (DATE, "year date day month century decade time period era season"),
    (DATE | {"CARDINAL", "QUANTITY"}, "age"),
    ({"NORP"}, "nationality religion ethnicity"),
    ({"LANGUAGE"}, "language"),
    ({"PERCENT"}, "percentage percent proportion share"),
    ({"MONEY"}, "price cost amount fee salary"),
):
    for _w in _words.split():
        FOCUS_TYPES[_w] = set(_labels)
# nouns naming an office someone holds in something ("the leader of Hamas", "the CEO of Acme"); kinship is left
# out because texts often state it from the other side ("his sister Margaret")
KINSHIP = {"son", "daughter", "father", "mother", "wife", "husband", "brother", "sister"}
ROLE_NOUNS = (
    {w for w, labels in FOCUS_TYPES.items() if labels == PERSON} - KINSHIP - {"person", "man", "woman"}
)
ROLE_NOUNS |= {"head", "boss", "owner", "editor", "successor", "predecessor"}

DESCRIBE_VERBS = {
    "call",
    "describe",
    "term",
    "label",
    "dub",
    "characterize",
    "characterise",
    "name",
    "brand",
    "refer",
}
NUMBER_MODIFIERS = {
    "at", "least", "most", "more", "than", "less", "fewer", "approximately", "about", "nearly", "almost", "over",
    "around", "some", "roughly", "up", "to", "only", "just", "under", "exactly", "estimated", "an", "a",
}  # fmt: skip
CURRENCIES = {
    "euro", "dollar", "pound", "yen", "yuan", "franc", "rupee", "peso", "krona", "krone", "ruble", "rouble",
    "lira", "shekel", "won", "real", "rand", "cent", "penny", "pence", "sterling", "bitcoin",
}  # fmt: skip
POS_WEIGHT = {"PROPN": 2.0, "NUM": 1.5, "NOUN": 1.5, "VERB": 1.0, "ADJ": 1.0, "ADV": 0.5}
QUOTE = re.compile(r"[“\"]([^”\"]{2,200})[”\"]")
EDGE_PUNCT = " \t\n,.;:!?-–—()[]{}'\"“”‘’"


@dataclass(frozen=True)
class QuestionInfo:
    """What the question asks for, as far as a parse tells."""

    text: str
    wh: str  # who / when / where / how many / which / what / why / how / other
    expected: frozenset[str]  # entity labels that answer it; empty = any
    strict: bool  # no candidate of an expected label => abstain
    focus: str | None  # "city" in "which city ..."
    verb: str | None  # lemma of the question's main content verb
    slot: str | None  # subject / object / as / prep: what the wh-word stands for
    describe: bool  # "what did X call Y" / "how did X describe Y"
    terms: dict[str, float] = field(default_factory=dict)  # content stems -> weight
    key_terms: frozenset[str] = frozenset()  # stems of names and numbers in the question
    words: frozenset[str] = frozenset()  # lowercased words of the question
    plural: bool = False  # "which groups": a list may answer it
    relations: tuple[tuple[str, frozenset[str]], ...] = ()  # ("leader", {"hamas"}) for "leader of Hamas"
    role: str | None = (
        None  # stem of the asked-for role of a relation: "leader" in "who is the leader of Hamas"
    )
    photo: bool = False  # asks who took a photo: credit lines answer it


def analyze_question(question: str, nlp: Any) -> QuestionInfo:
    doc = nlp(question)
    lower = [t.lower_ for t in doc]
    wh_tokens = [t for t in doc if t.lower_ in WH_WORDS]
    wh_tok = wh_tokens[0] if wh_tokens else None
    wh = wh_tok.lower_ if wh_tok is not None else "other"
    expected: set[str] = set()
    strict = False
    focus: str | None = None
    focus_tok: Any = None
    nxt = doc[wh_tok.i + 1] if wh_tok is not None and wh_tok.i + 1 < len(doc) else None

    if wh in {"who", "whom", "whose"}:
        wh, expected = "who", PERSON | PERSON_WEAK
    elif wh == "when":
        expected, strict = set(DATE), True
    elif wh == "where":
        expected = PLACE | {"ORG"}
    elif (
        wh == "how"
        and nxt is not None
        and nxt.lower_ in {"many", "much", "long", "old", "far", "big", "large"}
    ):
        kind = nxt.lower_
        wh = f"how {kind}"
        rest = {t.lemma_.lower() for t in doc[nxt.i + 1 :]}
        if kind == "many":
            expected, strict = {"CARDINAL", "QUANTITY"}, True
        elif kind == "much":
            money = rest & {
                "money",
                "cost",
                "pay",
                "price",
                "spend",
                "worth",
                "fund",
                "raise",
                "dollar",
                "sell",
            }
            expected, strict = ({"MONEY"} if money else NUMBER | {"MONEY"}), True
        elif kind in {"long", "old"}:
            expected, strict = DATE | {"QUANTITY", "CARDINAL"}, True
        else:
            expected, strict = {"QUANTITY", "CARDINAL"}, True
    elif wh in {"which", "what"}:
        focus_tok = _focus_noun(doc, wh_tok)
        if focus_tok is not None:
            focus = focus_tok.lemma_.lower()
            if focus in FOCUS_TYPES:
                expected = set(FOCUS_TYPES[focus])
                strict = bool(expected & (DATE | {"PERCENT", "MONEY"}))
    if {"percent", "percentage", "%"} & set(lower) and wh.startswith(("how", "what")):
        expected, strict = {"PERCENT"}, True

    verb_tok = _main_verb(doc)
    verb = verb_tok.lemma_.lower() if verb_tok is not None else None
    slot = _wh_slot(doc, wh_tok, verb_tok)
    describe = bool(verb in DESCRIBE_VERBS and wh in {"what", "how"})
    if wh == "how" and not describe and verb is not None:
        describe = verb in {"describe", "characterize", "characterise"}

    terms: dict[str, float] = {}
    key: set[str] = set()
    for t in doc:
        if (
            t.is_punct
            or t.lower_ in WH_WORDS
            or is_stop_word(t.lower_)
            or t.lemma_.lower() in {"be", "do", "have"}
        ):
            continue
        if not any(ch.isalnum() for ch in t.text):
            continue
        s = stem(t.lower_)
        terms[s] = max(terms.get(s, 0.0), POS_WEIGHT.get(t.pos_, 0.5))
        if t.pos_ in {"PROPN", "NUM"} or t.like_num:
            key.add(s)
    if verb_tok is not None and verb_tok.lemma_.lower() not in {"be", "do", "have"}:
        vs = stem(verb_tok.lower_)
        terms[vs] = max(terms.get(vs, 0.0), 2.0)
    relations = tuple(_relations(doc))
    return QuestionInfo(
        text=question,
        wh=wh,
        expected=frozenset(expected),
        strict=strict,
        focus=focus,
        verb=verb,
        slot=slot,
        describe=describe,
        terms=terms,
        key_terms=frozenset(key),
        words=frozenset(w for w in lower if w.isalnum()),
        plural=focus_tok is not None and focus_tok.tag_ in {"NNS", "NNPS"},
        relations=relations,
        role=_asked_role(doc, wh, focus_tok, relations),
        photo=bool(
            {"photo", "photograph", "picture", "image", "photographer"} & {t.lemma_.lower() for t in doc}
        ),
    )


def _modifiers(tok: Any) -> set[str]:
    """Stems of the names that qualify a noun: "Iran's leader", "IDF spokesman", "leader of the Quds Force"."""
    out: set[str] = set()
    for c in tok.children:
        if c.dep_ in {"poss", "compound"} and c.pos_ == "PROPN":
            out |= {stem(x.lower_) for x in c.subtree if x.pos_ == "PROPN"}
        elif c.dep_ == "prep" and c.lower_ == "of":
            for obj in c.children:
                if obj.dep_ == "pobj" and obj.pos_ == "PROPN":
                    out |= {stem(x.lower_) for x in obj.subtree if x.pos_ == "PROPN"}
    return out


def _relations(doc: Any) -> list[tuple[str, frozenset[str]]]:
    rel = []
    for t in doc:
        if t.pos_ == "NOUN":
            mods = _modifiers(t)
            if mods:
                rel.append((stem(t.lower_), frozenset(mods)))
    return rel


def _asked_role(
    doc: Any, wh: str, focus_tok: Any, relations: tuple[tuple[str, frozenset[str]], ...]
) -> str | None:
    """The office a question asks the holder of, when it names where it is held: "the **leader** of Hamas",
    "Acme's **chairman**". An answer must come from a sentence that states that office."""
    related = {head for head, _ in relations}
    nouns = [focus_tok] if focus_tok is not None else []
    if wh == "who":
        nouns = [t for t in doc if t.dep_ in {"attr", "nsubj"} and t.pos_ == "NOUN"]
    for t in nouns:
        if t.lemma_.lower() in ROLE_NOUNS and stem(t.lower_) in related:
            return stem(t.lower_)
    return None


def _focus_noun(doc: Any, wh_tok: Any) -> Any:
    """The noun a which/what asks about: "which **newspaper**", "what **year**", "in which **city**"."""
    if wh_tok.dep_ == "det" or (wh_tok.i + 1 < len(doc) and doc[wh_tok.i + 1].pos_ in {"NOUN", "PROPN"}):
        for t in doc[wh_tok.i + 1 : wh_tok.i + 4]:
            if t.pos_ == "NOUN":
                # "which newspaper", "what kind of company": take the last noun of the phrase
                nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
                if (
                    nxt is not None
                    and nxt.lower_ == "of"
                    and t.lemma_.lower() in {"kind", "type", "sort", "name"}
                ):
                    continue
                return t
    # "What is the name of the city ...": the attribute noun of a copula
    if wh_tok.lower_ == "what" and wh_tok.head.lemma_ == "be":
        for t in wh_tok.head.children:
            if t.dep_ in {"nsubj", "attr"} and t.pos_ == "NOUN" and t.i != wh_tok.i:
                if t.lemma_.lower() == "name":
                    for c in t.subtree:
                        if c.pos_ == "NOUN" and c.i != t.i:
                            return c
                return t
    return None


def _main_verb(doc: Any) -> Any:
    verbs = [
        t for t in doc if t.pos_ == "VERB" and t.lemma_.lower() not in {"be", "do", "have", "say", "tell"}
    ]
    if verbs:
        return (
            verbs[-1]
            if verbs[0].dep_ == "ROOT" and len(verbs) > 1 and verbs[-1].dep_ == "ccomp"
            else verbs[0]
        )
    says = [t for t in doc if t.pos_ == "VERB"]
    return says[0] if says else None


def _wh_slot(doc: Any, wh_tok: Any, verb_tok: Any) -> str | None:
    if wh_tok is None or verb_tok is None:
        return None
    others = [
        t for t in doc if t.dep_ in {"nsubj", "nsubjpass"} and t.i != wh_tok.i and t.lower_ not in WH_WORDS
    ]
    if wh_tok.lower_ == "what" and any(t.lower_ == "as" and t.head.i == verb_tok.i for t in doc):
        return "as"
    if wh_tok.dep_ in {"nsubj", "nsubjpass"} and not any(t.head.i == verb_tok.i for t in others):
        return "subject"
    if wh_tok.dep_ in {"det"} and wh_tok.head.dep_ in {"nsubj", "nsubjpass"} and not others:
        return "subject"
    if wh_tok.lower_ in {"who", "whom"}:
        return "object"
    if wh_tok.lower_ == "what" and verb_tok.i in {wh_tok.head.i, wh_tok.head.head.i}:
        return "object"  # not "what was the previously agreed price": "what" is no argument of "agree"
    if wh_tok.dep_ == "det" and wh_tok.head.dep_ in {"dobj", "attr", "oprd"}:
        return "object"  # "which part ... will his team join"
    return None


@dataclass
class _Sentence:
    doc_id: str
    title: str
    start: int  # offsets into the stored document
    end: int
    span: Any  # the spaCy Span
    chunk_start: int
    rank: int
    coverage: float = 0.0
    conflict: bool = False  # the question's "leader of Hamas" appears here only as someone else's leader
    similarity: float = 0.0
    score: float = 0.0
    matched: list[int] = field(default_factory=list)  # token indices matching question terms
    idf_coverage: float = 0.0  # IDF-weighted share of the question's terms in this sentence
    unmatched: float = 0.0  # IDF-weighted share of the question's terms in neither it nor its neighbours
    missing_keys: int = 0  # names/numbers of the question absent from it and its neighbours
    order: int = 0  # position after ranking


@dataclass
class Analysis:
    """Everything the answer is chosen from; the fitting script reads the same features."""

    q: QuestionInfo
    sentences: list[_Sentence]  # best first
    candidates: list[_Candidate]
    missing_keys: frozenset[str]  # names/numbers of the question found nowhere in the passages


@dataclass
class _Candidate:
    sentence: _Sentence
    start: int  # char offsets into the chunk's spaCy doc
    end: int
    label: str
    slot: bool = False
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class ExtractiveAnswerer:
    """Scores candidate spans of the retrieved passages; see the module docstring."""

    def __init__(
        self,
        nlp: Any,
        embedder: Any | None = None,
        *,
        idf: Callable[[str], float] | None = None,
        model: AnswerModel | None = None,
        abstain_threshold: float = 0.5,
        top_sentences: int = 5,
        cache_size: int = 256,
    ) -> None:
        self.nlp = nlp
        self.embedder = embedder
        self.idf = idf or (lambda _token: 1.0)
        self.model = model if model is not None else AnswerModel.load()
        self.abstain_threshold = abstain_threshold
        self.top_sentences = top_sentences
        self._parsed: OrderedDict[str, Any] = OrderedDict()
        self._cache_size = cache_size
        # vectors of stored text (sentences, candidate spans), which recurs across the turns of a chat
        self._vectors: OrderedDict[str, Any] = OrderedDict()
        self._vector_cache_size = 32 * cache_size
        self._questions: OrderedDict[str, QuestionInfo] = OrderedDict()
        # one question at a time: the caches above and the spaCy pipeline are shared by every caller
        # (Gradio runs several events at once); on two cores nothing is lost by serialising this part
        self._lock = threading.RLock()

    # -- parsing, cached per chunk ---------------------------------------------------------------------
    def _parse(self, key: str, text: str) -> Any:
        doc = self._parsed.get(key)
        if doc is None:
            doc = self.nlp(text)
            self._parsed[key] = doc
            if len(self._parsed) > self._cache_size:
                self._parsed.popitem(last=False)
        else:
            self._parsed.move_to_end(key)
        return doc

    def _embed(self, fresh: Sequence[str], stored: Sequence[str]) -> tuple[list[Any], list[Any]]:
        """Vectors of ``fresh`` texts (the question: always encoded) and of ``stored`` article text (cached),
        in one model call for whatever is not cached."""
        missing = [t for t in dict.fromkeys(stored) if t not in self._vectors]
        if missing:
            vectors = self.embedder.embed([*fresh, *missing])
            for t, v in zip(missing, vectors[len(fresh) :], strict=True):
                self._vectors[t] = v
        else:  # the question was embedded by prepare(), before retrieval: embed_one remembers it
            vectors = [self.embedder.embed_one(t) for t in fresh]
        out = []
        for t in stored:
            self._vectors.move_to_end(t)
            out.append(self._vectors[t])
        while len(self._vectors) > self._vector_cache_size:
            self._vectors.popitem(last=False)
        return list(vectors[: len(fresh)]), out

    def _sentences(self, passages: Sequence[Passage]) -> list[_Sentence]:
        seen: set[tuple[str, int, int]] = set()
        out: list[_Sentence] = []
        for rank, p in enumerate(passages):
            c = p.chunk
            doc = self._parse(c.chunk_id, c.text)
            for sent in _split_lines(doc):
                start, end = c.start + sent.start_char, c.start + sent.end_char
                if (c.doc_id, start, end) in seen:
                    continue
                seen.add((c.doc_id, start, end))
                out.append(_Sentence(c.doc_id, c.title, start, end, sent, c.start, rank))
        return out

    # -- scoring ---------------------------------------------------------------------------------------
    def _score_sentences(self, q: QuestionInfo, sentences: list[_Sentence]) -> None:
        total = sum(q.terms.values()) or 1.0
        idf = {t: self.idf(t) for t in q.terms}
        idf_total = sum(idf.values()) or 1.0
        own: dict[int, set[str]] = {}
        for s in sentences:
            stems = set()
            for t in s.span:
                st = stem(t.lower_)
                if st in q.terms:
                    stems.add(st)
                    s.matched.append(t.i)
            own[id(s)] = stems
            s.conflict = _conflicts(q, s.span)
        # neighbours in document order (a sentence may lean on the one before or after it, half-weighted)
        ordered = sorted(sentences, key=lambda s: (s.doc_id, s.start))
        for i, s in enumerate(ordered):
            near: set[str] = set()
            referred: set[str] = set()  # what the next sentence says of this one ("This statement was ...")
            for j in (i - 1, i + 1):
                if not 0 <= j < len(ordered):
                    continue
                other = ordered[j]
                adjacent = abs(other.start - s.end) < 4 or abs(s.start - other.end) < 4
                if other.doc_id == s.doc_id and adjacent and not other.conflict:
                    near |= own[id(other)]
                    if j == i + 1 and _refers_back(other.span):
                        referred = own[id(other)]
            mine = own[id(s)] | referred
            s.coverage = min(
                1.0, (sum(q.terms[t] for t in mine) + 0.5 * sum(q.terms[t] for t in near - mine)) / total
            )
            if not mine:
                s.coverage *= 0.5
            s.idf_coverage = sum(idf[t] for t in mine) / idf_total
            s.unmatched = sum(idf[t] for t in set(q.terms) - mine - near) / idf_total
            s.missing_keys = len(q.key_terms - mine - near)
        if self.embedder is not None and sentences:
            (question,), vectors = self._embed([q.text], [s.span.text for s in sentences])
            for s, v in zip(sentences, vectors, strict=True):
                s.similarity = float(v @ question)
        for s in sentences:
            sim = min(1.0, max(0.0, (s.similarity - 0.1) / 0.6))
            s.score = 0.65 * s.coverage + 0.35 * sim - 0.02 * s.rank - (0.4 if s.conflict else 0.0)

    def _candidates(self, q: QuestionInfo, s: _Sentence) -> list[_Candidate]:
        span = s.span
        cands: list[_Candidate] = []

        def add(start: int, end: int, label: str, slot: bool = False) -> None:
            start, end = _trim(_text_of(span.doc), start, end)
            if end > start:
                cands.append(_Candidate(s, start, end, label, slot))

        for ent in span.ents:
            start = ent.start
            if ent.label_ in NUMBER | DATE:
                while start > span.start and span.doc[start - 1].lower_ in NUMBER_MODIFIERS:
                    start -= 1
                if start < ent.start and span.doc[start].lower_ in {"a", "an", "to", "at"}:
                    start += 1
                if (
                    start < ent.start
                    and span.doc[start].lower_ == "up"
                    and span.doc[start + 1].lower_ != "to"
                ):
                    start += 1  # "was up 0.3%": a particle, not "up to"
            after = span.doc[ent.end] if ent.end < span.end else None
            if ent.label_ == "CARDINAL" and after is not None and after.lemma_.lower() in CURRENCIES:
                add(span.doc[start].idx, after.idx + len(after.text), "MONEY")  # "7 million euros"
                continue
            add(span.doc[start].idx, ent.end_char, ent.label_)
            if "/" in ent.text:  # credit lines: "AP Photo/Yousef Masoud"
                offset = ent.start_char
                for part in ent.text.split("/"):
                    add(offset, offset + len(part), "PROPN")
                    offset += len(part) + 1
        for nc in span.noun_chunks:
            add(nc.start_char, nc.end_char, "NP")
        run: list[Any] = []
        for t in [*span, None]:
            if t is not None and t.pos_ == "PROPN" and t.text not in {"/", "(", ")"}:
                run.append(t)
                continue
            if len(run) >= 2:
                add(run[0].idx, run[-1].idx + len(run[-1].text), "PROPN")
            run = []
        for t in span:
            if t.like_num and not t.ent_type_:
                start = t.i
                while start > span.start and span.doc[start - 1].lower_ in NUMBER_MODIFIERS:
                    start -= 1
                add(span.doc[start].idx, t.idx + len(t.text), "CARDINAL")
        if q.photo:  # "(AP Photo/Yousef Masoud)", "(Seth Wenig/AP)"
            for m in _CREDIT.finditer(span.text):
                g = 1 if m.group(1) else 2
                add(span.start_char + m.start(g), span.start_char + m.end(g), "CREDIT")
        for m in QUOTE.finditer(span.text):
            add(span.start_char + m.start(1), span.start_char + m.end(1), "QUOTE")
        # "Hamas, Hezbollah and the Houthis": an entity with its coordinated entities
        for ent in span.ents:
            conj = [c for c in ent.root.conjuncts if c.i > ent.root.i and c.ent_type_]
            if conj:
                last = max(conj, key=lambda c: c.i)
                end_tok = last
                while end_tok.i + 1 < span.end and span.doc[end_tok.i + 1].ent_iob_ == "I":
                    end_tok = span.doc[end_tok.i + 1]
                add(ent.start_char, end_tok.idx + len(end_tok.text), ent.label_ + "_LIST")
        entities = {(e.start_char, e.end_char): e.label_ for e in span.ents}
        for start, end in self._slot_fillers(q, s):
            add(start, end, entities.get((start, end), "SLOT"), slot=True)
        return cands

    def _slot_fillers(self, q: QuestionInfo, s: _Sentence) -> Iterable[tuple[int, int]]:
        """Spans filling the asked-for slot of the question's verb in this sentence."""
        if q.verb is None or q.slot is None:
            return
        verb_stem = stem(q.verb)
        for t in s.span:
            if t.pos_ not in {"VERB", "AUX"} or (t.lemma_.lower() != q.verb and stem(t.lower_) != verb_stem):
                continue
            if q.slot == "subject":
                subj = _subject_of(t)
                if subj is not None and subj.pos_ != "PRON":
                    yield from _expand_nominal(subj)
            elif q.slot == "as":
                for prep in t.children:
                    if prep.dep_ == "prep" and prep.lower_ == "as":
                        for obj in prep.children:
                            if obj.dep_ == "pobj":
                                yield _subtree_span(obj)
            elif q.slot == "object" or q.describe:
                for c in t.children:
                    if (
                        c.dep_ in {"dobj", "oprd", "attr", "xcomp", "ccomp", "dative", "acomp"}
                        and c.pos_ != "PRON"
                    ) and stem(c.lower_) not in q.terms:
                        yield _subtree_span(c)
                    if c.dep_ == "prep" and (q.describe or c.lower_ in {"with", "to", "for", "as"}):
                        for obj in c.children:
                            if obj.dep_ == "pobj" and stem(obj.lower_) not in q.terms:
                                yield _subtree_span(obj)

    def _features(self, q: QuestionInfo, c: _Candidate, focus_sim: float) -> dict[str, float] | None:
        """What the candidate model weighs; ``None`` for spans that cannot be an answer."""
        span = c.sentence.span.doc.char_span(c.start, c.end, alignment_mode="contract")
        toks = list(span) if span is not None else []
        words = [t for t in toks if any(ch.isalnum() for ch in t.text)]
        if not words or all(t.pos_ in {"PRON", "DET"} or t.is_stop for t in words):
            return None  # "that", "which", "it": not an answer
        in_q = [t for t in words if t.lower_ in q.words or stem(t.lower_) in q.terms]
        content = [t for t in words if not t.is_stop]
        overlap = len([t for t in in_q if not t.is_stop]) / max(1, len(content))
        if content and overlap >= 0.999:
            return None  # only repeats the question
        if q.slot == "subject" and _counters(toks, q):
            return None
        if q.role and (c.sentence.conflict or all(stem(t.lower_) != q.role for t in c.sentence.span)):
            return None  # "the leader of Hamas" is asked; this sentence does not say who leads Hamas
        label = c.label.removesuffix("_LIST")
        if label == "CREDIT":
            label = "PERSON"
        if not q.expected:
            type_score = {"QUOTE": 0.5 if q.describe else 0.2, "SLOT": 0.5, "NP": 0.3, "PROPN": 0.3}.get(
                label, 0.35
            )
        elif label in q.expected:
            type_score = 1.0 if not (q.wh == "who" and label in PERSON_WEAK) else 0.55
        elif label in {"SLOT", "NP", "PROPN"}:
            type_score = 0.35 if not q.strict else 0.0
        else:
            type_score = 0.0 if q.strict else 0.15
        if q.strict and type_score == 0.0 and not c.slot:
            return None
        positions = [t.i for t in toks]
        matched = [i for i in c.sentence.matched if i not in positions]
        if matched:
            dist = min(min(abs(i - p) for p in positions) for i in matched)
            proximity = math.exp(-max(0, dist - 1) / 6.0)
        else:
            proximity = 0.3
        length_penalty = 0.04 * max(0, len(words) - 6)
        attached = 0.15 if q.verb and _attached_to(toks, stem(q.verb), q.verb) else 0.0
        anchored = 0.1 if not attached and _anchored(toks, set(matched)) else 0.0
        named = 0.25 if q.focus and _names_focus(toks, q.focus) else 0.0
        # who-questions: the main clause's subject (the speaker of "X noted that ...") over names deep inside
        main_subject = (
            0.05
            if q.slot == "subject"
            and any(t.dep_ in {"nsubj", "nsubjpass"} and t.head.dep_ == "ROOT" for t in toks)
            else 0.0
        )
        if named:
            type_score = max(type_score, 1.0)  # "the journal Cancer" names a journal, whatever NER calls it
        describe_bonus = 0.3 if q.describe and label == "QUOTE" else 0.0
        if q.plural and c.label.endswith("_LIST"):
            describe_bonus += 0.2
        if c.label == "CREDIT":
            describe_bonus += 0.3
        hand = (
            0.55 * c.sentence.score
            + 0.30 * type_score
            + 0.20 * proximity
            + (0.35 if c.slot else 0.0)
            + describe_bonus
            + attached
            + anchored
            + named
            + main_subject
            + 0.5 * focus_sim
            - 0.45 * overlap
            - length_penalty
        )
        s = c.sentence
        return {
            "hand": hand,
            "sentence": s.score,
            "coverage": s.coverage,
            "idf_coverage": s.idf_coverage,
            "unmatched": s.unmatched,
            "similarity": s.similarity,
            "missing_keys": float(min(s.missing_keys, 3)),
            "strict": float(q.strict),
            "top_sentence": float(s.order == 0),
            "type": type_score,
            "expected": float(bool(q.expected) and label in q.expected),
            "proximity": proximity,
            "slot": float(c.slot),
            "overlap": overlap,
            "words": float(min(len(words), 12)),
            "entity": float(label not in {"NP", "PROPN", "SLOT", "QUOTE", "CARDINAL"}),
            "noun_chunk": float(label == "NP"),
            "attached": attached,
            "focus": focus_sim,
            "what": float(q.wh in {"what", "which"} and not q.expected),
            "anchored": anchored,
            "named_focus": named,
        }

    # -- the answer ------------------------------------------------------------------------------------
    @_locked
    def prepare(self, question: str) -> QuestionInfo:
        """Parse the question (remembered for the next :meth:`analyze`) and embed it with its focus phrase in
        one model call, before retrieval needs the question's vector."""
        q = self._questions.get(question)
        if q is None:
            q = analyze_question(question, self.nlp)
            self._questions[question] = q
            while len(self._questions) > 8:
                self._questions.popitem(last=False)
        prime = getattr(self.embedder, "prime", None)
        if prime is not None:
            prime([q.text] + ([q.focus] if q.focus else []))
        return q

    @_locked
    def analyze(self, question: str, passages: Sequence[Passage]) -> Analysis:
        """Parse the question, rank the sentences, and list every candidate span with its features."""
        q = self._questions.get(question) or analyze_question(question, self.nlp)
        sentences = self._sentences(passages)
        self._score_sentences(q, sentences)
        ranked = sorted(sentences, key=lambda s: -s.score)
        for i, s in enumerate(ranked):
            s.order = i
        retrieved = {stem(t.lower_) for s in sentences for t in s.span}
        cands: list[_Candidate] = []
        for s in ranked[: self.top_sentences]:
            cands.extend(self._candidates(q, s))
        kept: list[_Candidate] = []
        for c, fs in zip(cands, self._focus_similarity(q, cands), strict=True):
            feats = self._features(q, c, fs)
            if feats is not None:
                c.features = feats
                c.score = self.model.candidate_logit(feats)
                kept.append(c)
        return Analysis(q, ranked, kept, frozenset(q.key_terms - retrieved))

    @_locked
    def answer(self, question: str, passages: Sequence[Passage], exclude: Sequence[str] = ()) -> Answer:
        """The best span for ``question`` in ``passages``, or an abstention. ``exclude``: answers already
        given ("what else did he say?"), which are not given again."""
        if not passages:
            return _abstain(question, (), reason="empty index")
        a = self.analyze(question, passages)
        related = tuple(_cite(s, s.span.start_char, s.span.end_char) for s in a.sentences[:2])
        # a name or number of the question that appears nowhere in what was retrieved: not this article
        if a.missing_keys:
            return _abstain(question, related, reason="missing: " + ", ".join(sorted(a.missing_keys)))
        if exclude:
            given = [e.lower().strip() for e in exclude if e.strip()]
            a.candidates[:] = [
                c
                for c in a.candidates
                if not any(
                    g in (t := _text_of(c.sentence.span.doc)[c.start : c.end].lower()) or t in g
                    for g in given
                )
            ]
        if not a.candidates:
            return _abstain(question, related, reason="no candidates")
        texts = [_text_of(c.sentence.span.doc)[c.start : c.end] for c in a.candidates]
        i, rival = choose(texts, [c.score for c in a.candidates], [c.slot for c in a.candidates])
        best = a.candidates[i]
        confidence = self.model.confidence(answer_features(best.features, best.score, rival))
        if confidence < self.abstain_threshold:
            return _abstain(
                question, related, reason=f"low confidence {confidence:.2f}", confidence=confidence
            )
        s = best.sentence
        citation = _cite(s, s.span.start_char, s.span.end_char, score=confidence)
        return Answer(
            question=question,
            text=_text_of(s.span.doc)[best.start : best.end],
            abstained=False,
            citations=(citation,),
            related=(),
            confidence=round(confidence, 4),
            doc_id=s.doc_id,
            answer_start=s.chunk_start + best.start,
            answer_end=s.chunk_start + best.end,
            meta={"wh": a.q.wh, "label": best.label, "expected": sorted(a.q.expected)},
        )

    def _focus_similarity(self, q: QuestionInfo, cands: list[_Candidate]) -> list[float]:
        if self.embedder is None or q.focus is None:
            return [0.0] * len(cands)
        texts = [_text_of(c.sentence.span.doc)[c.start : c.end] for c in cands]
        (focus,), vectors = self._embed([q.focus], texts)
        return [max(0.0, float(v @ focus)) for v in vectors]


def _text_of(doc: Any) -> str:
    """``doc.text``, which spaCy joins from the tokens on every access, computed once per parsed passage."""
    text = doc.user_data.get("qa_bot_text")
    if text is None:
        text = doc.user_data["qa_bot_text"] = doc.text
    return text


def answer_features(features: dict[str, float], score: float, rival: float | None) -> dict[str, float]:
    """What the abstention model weighs: the chosen span's features, its candidate score, and its margin over
    the best span that is not part of it (``rival``)."""
    out = {k: features.get(k, 0.0) for k in ABSTAIN_FEATURES}
    out["candidate"] = score
    out["margin"] = min(3.0, score - rival) if rival is not None else 3.0
    return out


def choose(texts: Sequence[str], scores: Sequence[float], slots: Sequence[bool]) -> tuple[int, float | None]:
    """The chosen span (highest score; then a slot filler; then the shorter) and its best rival's score."""
    best = max(range(len(scores)), key=lambda i: (scores[i], slots[i], -len(texts[i])))
    return best, best_rival(texts, scores, best)


def best_rival(texts: Sequence[str], scores: Sequence[float], best: int) -> float | None:
    """The best score among spans whose text is not inside the chosen one."""
    inside = texts[best].lower()
    rivals = [
        sc
        for i, (t, sc) in enumerate(zip(texts, scores, strict=True))
        if i != best and t.lower() not in inside
    ]
    return max(rivals) if rivals else None


ABSTAIN_FEATURES = (
    "hand", "coverage", "idf_coverage", "unmatched", "similarity", "missing_keys", "expected", "strict",
)  # fmt: skip


@dataclass(frozen=True)
class LinearModel:
    """``bias + sum(weight * feature)``; features it does not name are ignored, missing ones count 0."""

    bias: float
    weights: dict[str, float]

    def logit(self, features: dict[str, float]) -> float:
        return self.bias + sum(w * features.get(k, 0.0) for k, w in self.weights.items())


@dataclass(frozen=True)
class AnswerModel:
    """Two small logistic models: one ranks candidate spans, one gives the probability that the chosen
    span is a right answer (the answer's ``confidence``; below the threshold, 0.5 by default, the bot
    abstains). Fitted by ``scripts/fit_answer_model.py``; without a fitted file, the hand-set score."""

    candidate: LinearModel
    abstain: LinearModel
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def hand_set(cls) -> AnswerModel:
        return cls(LinearModel(0.0, {"hand": 1.0}), LinearModel(-3.5, {"hand": 10.0}), {"source": "hand-set"})

    @classmethod
    def load(cls, path: str | Path | None = None) -> AnswerModel:
        p = Path(path) if path is not None else MODEL_FILE
        if not p.exists():
            return cls.hand_set()
        raw = json.loads(p.read_text("utf-8"))
        return cls(
            LinearModel(float(raw["candidate"]["bias"]), dict(raw["candidate"]["weights"])),
            LinearModel(float(raw["abstain"]["bias"]), dict(raw["abstain"]["weights"])),
            dict(raw.get("info", {})),
        )

    def candidate_logit(self, features: dict[str, float]) -> float:
        return self.candidate.logit(features)

    def confidence(self, features: dict[str, float]) -> float:
        z = max(-30.0, min(30.0, self.abstain.logit(features)))
        return 1.0 / (1.0 + math.exp(-z))


def _attached_to(toks: list[Any], verb_stem: str, verb_lemma: str, hops: int = 3) -> bool:
    """Whether the span hangs (within a few arcs) from the question's verb: "approximately 500 terrorists ...
    **traveled**" for "how many ... traveled"."""
    roots = [t for t in toks if t.head.i == t.i or not (toks[0].i <= t.head.i <= toks[-1].i)]
    for t in roots:
        node = t
        for _ in range(hops):
            if node.head.i == node.i:
                break
            node = node.head
            if node.pos_ in {"VERB", "AUX"} and (
                stem(node.lower_) == verb_stem or node.lemma_.lower() == verb_lemma
            ):
                return True
    return False


STATEMENT_NOUNS = {
    "statement", "claim", "remark", "comment", "allegation", "accusation", "assertion", "charge", "announcement",
    "warning", "criticism", "suggestion", "view", "argument", "finding", "report",
}  # fmt: skip


def _refers_back(span: Any) -> bool:
    """Whether a sentence opens by pointing at the one before it: "**This statement** was countered by ..."."""
    toks = [t for t in span if not t.is_punct][:3]
    return (
        len(toks) >= 2
        and toks[0].lower_ in {"this", "these", "that", "those", "such"}
        and toks[1].lemma_.lower() in STATEMENT_NOUNS
    )


COUNTER_VERBS = {"deny", "reject", "refute", "dismiss", "counter", "rebut", "dispute", "contest", "repudiate"}


def _counters(toks: list[Any], q: QuestionInfo) -> bool:
    """Whether the span is who *denied* what the question asks who made/said: "Iravani, who denied the
    allegations" does not answer "who made the allegations?"."""
    if q.verb is None or q.verb in COUNTER_VERBS:
        return False
    verbs = []
    for t in toks:
        if t.dep_ in {"nsubj", "nsubjpass"}:
            verbs.append(t.head)
        for node in (t, t.head if t.dep_ == "appos" else t):
            verbs += [c for c in node.children if c.dep_ == "relcl"]
    for v in verbs:
        if v.lemma_.lower() in COUNTER_VERBS and any(
            c.dep_ == "dobj" and stem(c.lower_) in q.terms for c in v.children
        ):
            return True
    return False


def _anchored(toks: list[Any], matched: set[int]) -> bool:
    """Whether the span is the value "of" a noun the question asks about: "a previously agreed **price** of
    $70 a share" for "what was the previously agreed price"."""
    inside = {t.i for t in toks}
    for t in toks:
        if t.head.i in inside or t.dep_ != "pobj":
            continue
        prep = t.head
        if prep.lower_ == "of" and prep.head.i in matched and prep.head.pos_ == "NOUN":
            return True
    return False


def _names_focus(toks: list[Any], focus: str) -> bool:
    """Whether the span is the name of the thing a which/what question asks about: "the journal **Cancer**",
    "the **Department** of Radiology" for "which department"."""
    first = toks[0]
    before = first.doc[first.i - 1] if first.i > 0 else None
    if before is not None and before.lemma_.lower() == focus and first.pos_ == "PROPN":
        return True
    return any(t.lemma_.lower() == focus and t.text[:1].isupper() and t.i > 0 for t in toks)


def _conflicts(q: QuestionInfo, span: Any) -> bool:
    """True when a noun the question qualifies by a name ("leader of Hamas") occurs in ``span`` only
    qualified by other names ("Iran's supreme leader")."""
    for head, mods in q.relations:
        occurrences = [t for t in span if t.pos_ == "NOUN" and stem(t.lower_) == head]
        if not occurrences:
            continue
        qualifiers = [_modifiers(t) for t in occurrences]
        if all(m and not m & mods for m in qualifiers):
            return True
    return False


_CREDIT = re.compile(
    r"\((?:[A-Z][\w.]*\s)*(?:Photo|Photograph|Image|Picture)s?(?:\s+by)?\s*/\s*([^()/]+?)\)"
    r"|\(([A-Z][^()/]+?)\s*/\s*(?:[A-Z][\w.]*\s?)+\)"
)


def _split_lines(doc: Any) -> Iterable[Any]:
    """spaCy sentences, additionally cut at line breaks, with surrounding whitespace trimmed."""
    for sent in doc.sents:
        start = sent.start
        for t in sent:
            if "\n" in t.text or (t.is_space and t.i > start):
                if t.i > start:
                    yield from _trimmed(doc[start : t.i])
                start = t.i + 1
        if start < sent.end:
            yield from _trimmed(doc[start : sent.end])


def _trimmed(span: Any) -> Iterable[Any]:
    toks = [t for t in span if not t.is_space]
    if toks:
        yield span.doc[toks[0].i : toks[-1].i + 1]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in EDGE_PUNCT:
        start += 1
    while end > start and text[end - 1] in EDGE_PUNCT:
        end -= 1
    # keep curly quotes balanced: 'a “definitive accomplice of criminals' -> the quoted words
    inner = text[start:end]
    if inner.count("“") > inner.count("”"):
        q = inner.rfind("“")
        head = inner[:q].rstrip(EDGE_PUNCT)
        if len(head.split()) <= 1:
            start += q + 1
        else:
            end = start + len(head)
    elif inner.count("”") > inner.count("“"):
        end = start + len(inner[: inner.find("”")].rstrip(EDGE_PUNCT))
    return start, end


def _subject_of(verb: Any) -> Any:
    """The subject of a verb, following relative clauses, conjunctions and participles to their noun."""
    seen = 0
    t = verb
    while t is not None and seen < 5:
        seen += 1
        for c in t.children:
            if c.dep_ in {"nsubj", "nsubjpass"}:
                if c.lower_ in {"who", "that", "which"} and t.dep_ == "relcl":
                    return t.head
                return c
            if c.dep_ == "agent":
                for obj in c.children:
                    if obj.dep_ == "pobj":
                        return obj
        if t.dep_ == "relcl":
            return t.head
        if t.dep_ in {"conj", "advcl", "xcomp", "ccomp"} and t.head is not t:
            t = t.head
            continue
        if t.dep_ == "acl":
            return t.head
        return None
    return None


def _expand_nominal(tok: Any) -> Iterable[tuple[int, int]]:
    """A noun as the answer: its entity, its named appositive ("the representative, Amir Iravani"), the name it
    stands in apposition to ("Pierre Heidmann, a physicist who led ..."), its chunk."""
    if tok.dep_ == "appos" and tok.head.ent_type_:
        yield _entity_span(tok.head)
    for c in tok.children:
        if c.dep_ == "appos" and c.ent_type_:
            yield _entity_span(c)
    if tok.ent_type_:
        yield _entity_span(tok)
    yield _subtree_span(tok, stop_at_clause=True)


def _entity_span(tok: Any) -> tuple[int, int]:
    doc = tok.doc
    for ent in doc.ents:
        if ent.start <= tok.i < ent.end:
            return ent.start_char, ent.end_char
    return tok.idx, tok.idx + len(tok.text)


def _subtree_span(tok: Any, stop_at_clause: bool = False) -> tuple[int, int]:
    toks = [tok]
    for c in tok.children:
        if stop_at_clause and c.dep_ in {"relcl", "acl", "appos", "punct", "cc", "conj", "advcl"}:
            continue
        toks.extend(c.subtree)
    left = min(t.i for t in toks)
    right = max(t.i for t in toks)
    doc = tok.doc
    return doc[left].idx, doc[right].idx + len(doc[right].text)


def _cite(s: _Sentence, start: int, end: int, score: float | None = None) -> Citation:
    return Citation(
        doc_id=s.doc_id,
        title=s.title,
        start=s.chunk_start + start,
        end=s.chunk_start + end,
        text=_text_of(s.span.doc)[start:end],
        score=round(s.score if score is None else score, 4),
    )


def _abstain(question: str, related: tuple[Citation, ...], *, reason: str, confidence: float = 0.0) -> Answer:
    return Answer(
        question=question,
        text=ABSTAIN_TEXT,
        abstained=True,
        related=related,
        confidence=round(confidence, 4),
        meta={"reason": reason},
    )
