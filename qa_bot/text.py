"""Word-level text analysis shared by every stage: English stems without stop words, question types, and the
sentence splitter for short free text."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Sequence
from functools import lru_cache
from types import ModuleType
from typing import Any

__all__ = [
    "CUE_FORMS",
    "CUE_VERBS",
    "QUESTION_TYPES",
    "WH_WORDS",
    "asked_employer",
    "asked_identity",
    "asked_person",
    "bare_answer",
    "bm25s_module",
    "content_words",
    "is_photo_caption",
    "is_stop_word",
    "mentions_cue_verb",
    "question_type",
    "restore_case",
    "rule_sentences",
    "stem",
    "tokenize",
    "words",
    "words_within",
]

_WORD = re.compile(r"\w+", re.UNICODE)
#: The question words, and the kinds of question they start (the one classifier of question types).
WH_WORDS = ("who", "whom", "whose", "what", "which", "when", "where", "why", "how")
QUESTION_TYPES = ("who", "when", "where", "how many", "what", "which", "why", "how", "other")
_PRONOUNS = ("he", "him", "his", "she", "her", "hers", "they", "them", "their", "theirs", "we", "us", "our", "you",
             "your", "i", "me", "my", "it", "its")  # fmt: skip
_EXTRA_STOP = frozenset((*WH_WORDS, "did", "does", "do", "done", "doing", *_PRONOUNS))
# Sentence ends for short free text (a user's message, an LLM's reply); article text is split by spaCy's
# senter (:func:`qa_bot.ingest.split_sentences`).
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")

#: Verbs that report speech or a stance taken in words (lemmas).
CUE_VERBS = frozenset((
    "accuse", "acknowledge", "add", "admit", "affirm", "allege", "announce", "argue", "assert", "blame",
    "call", "caution", "charge", "claim", "comment", "complain", "concede", "condemn", "confirm", "contend",
    "counter", "criticize", "declare", "decline", "defend", "demand", "denounce", "deny", "dispute",
    "describe", "dismiss", "emphasise", "emphasize", "estimate", "explain", "express", "insist", "indicate",
    "maintain", "mention", "note", "object", "pledge", "point", "praise", "predict", "promise", "propose",
    "question", "recall", "refute", "reiterate", "reject", "remark", "repeat", "reply", "report", "respond",
    "reveal", "say", "state", "stress", "suggest", "tell", "testify", "threaten", "urge", "vow", "warn",
    "write",
))  # fmt: skip
_IRREGULAR = {"say": ("said",), "tell": ("told",), "write": ("wrote", "written")}


def _forms(lemma: str) -> set[str]:
    """The inflected forms of a regular English verb (and of the irregular cue verbs)."""
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    forms = {lemma, lemma + "s", lemma + "es", stem + "ed", stem + "ing", lemma + "ed", lemma + "ing"}
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ied", lemma[:-1] + "ies"}
    if len(lemma) > 2 and lemma[-1] in "bdgmnprt" and lemma[-2] in "aeiou" and lemma[-3] not in "aeiou":
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}  # admitted, committing
    return forms | set(_IRREGULAR.get(lemma, ()))


#: Any inflected form of a cue verb, as a word.
CUE_FORMS = re.compile(
    r"\b(?:"
    + "|".join(sorted({f for lemma in CUE_VERBS for f in _forms(lemma)}, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)


def mentions_cue_verb(text: str) -> bool:
    """Whether ``text`` holds a form of a verb that reports speech or a stance (said, denied, called, ...)."""
    return CUE_FORMS.search(text) is not None


_IMPORTING = threading.Lock()


def bm25s_module() -> ModuleType:
    """``bm25s``, imported without SciPy when SciPy is not loaded yet. bm25s imports ``scipy.sparse`` when it can
    but needs it only to build an index with its "scipy" matrix backend; qa-bot builds with the NumPy backend (the
    same matrix, tested), and loading and scoring are NumPy alone. Skipping that import keeps a quarter of a second
    out of the first question (SciPy's array-API layer touches every NumPy attribute, importing ``numpy.f2py``)."""
    with _IMPORTING:
        block = "bm25s" not in sys.modules and "scipy.sparse" not in sys.modules
        if block:
            sys.modules["scipy.sparse"] = None  # type: ignore[assignment]  # "import scipy.sparse" fails at once
        try:
            import bm25s
        finally:
            if block:
                del sys.modules["scipy.sparse"]
    return bm25s


@lru_cache(maxsize=1)
def _analyzer() -> tuple[Any, frozenset[str]]:
    import Stemmer

    return Stemmer.Stemmer("english"), frozenset(bm25s_module().stopwords.STOPWORDS_EN) | _EXTRA_STOP


def is_stop_word(word: str) -> bool:
    """Whether a lowercased word is ignored for matching (English stop words and wh-words, pronouns)."""
    return word in _analyzer()[1]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The English Snowball stem of one lowercased word."""
    return _analyzer()[0].stemWord(word.lower())


def tokenize(text: str) -> list[str]:
    """Lowercase English word stems without stop words (the lexical index's tokens)."""
    stemmer, stop = _analyzer()
    return stemmer.stemWords([w for w in _WORD.findall(text.lower()) if w not in stop])


def words_within(part: str, whole: str) -> bool:
    """Whether the words of ``part`` are a run of the words of ``whole`` (case aside, whole words: "Qaani" is in
    "Esmail Qaani", "Ban" is not in "urban")."""
    a, b = " ".join(words(part)), " ".join(words(whole))
    return bool(a) and f" {a} " in f" {b} "


def words(text: str, *, lower: bool = True) -> list[str]:
    """The words of ``text``, lowercased unless asked not to (numbers with their decimal points kept whole:
    ``4.5``)."""
    return _NUMBER_WORD.findall(text.lower() if lower else text)


_NUMBER_WORD = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)


def content_words(text: str) -> list[str]:
    """:func:`words` without stop words, wh-words and pronouns."""
    return [w for w in words(text) if not is_stop_word(w)]


def question_type(question: str) -> str:
    """who / when / where / how many / what / which / why / how / other, by the first wh-word."""
    found = re.findall(r"[a-z]+", question.lower())
    for i, w in enumerate(found):
        if w in {"who", "whom", "whose"}:
            return "who"
        if w == "how":
            return "how many" if i + 1 < len(found) and found[i + 1] in {"many", "much"} else "how"
        if w in {"when", "where", "what", "which", "why"}:
            return w
    return "other"


def rule_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of short free text by punctuation and line breaks."""
    spans, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[pos : m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text.rstrip())))
    return spans


def is_photo_caption(line: str) -> bool:
    """Whether a line of an article reads as a photo caption: it ends with its credit in brackets ("… east of Khan
    Younis. (AP Photo/Yousef Masoud)"), so it neither names the article nor states its story."""
    return line.rstrip().endswith(")")


_NAME_WORD = r"[A-Z](?:['’][A-Z])?[\w.-]*"  # "O'Bannon", not the "'s" of a possessive
_OPEN = r"^\W*(?i:(?:and|so|then|ok|okay)\W+)*"
_OFFICE = r"(?i:(?:job\s+)?title|job|position|role|occupation|profession|post|(?:military\s+)?rank)"
_WHO = r"(?i:who\s+(?:is|was|are|were)|who['’]s)\s+"
_NAME = rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}})"
_END = r"\s*[?.!]*\s*$"
#: "Who is Iravani?", "What is Emmerson's job title?", "What is the position of Khamenei?", "What is Hagari's rank?",
#: "What does Esfandiari do?", "Tell me more about Qaani"
_IDENTITY = (
    re.compile(_OPEN + _WHO + _NAME + _END),
    re.compile(
        _OPEN + r"(?i:what)\s+(?i:is|was)\s+" + _NAME + r"(?:'s|’s|')\s+" + _OFFICE + r"(?:\s+there)?" + _END
    ),
    re.compile(
        _OPEN
        + r"(?i:what)\s+(?i:is|was)\s+(?i:the|their|his|her)\s+"
        + _OFFICE
        + r"\s+(?i:of)\s+"
        + _NAME
        + _END
    ),
    re.compile(
        _OPEN + r"(?i:what)\s+(?i:does|did)\s+" + _NAME + r"\s+(?i:do)(?:\s+(?i:for\s+a\s+living))?" + _END
    ),
    re.compile(  # "Tell me (more) about Qaani", "Can you tell me about Iravani?"
        _OPEN
        + r"(?i:(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?tell\s+me\s+(?:a\s+(?:bit|little)\s+)?(?:more\s+)?"
        + r"about)\s+"
        + _NAME
        + _END
    ),
)


#: "Where does Nader work?", "Who does Lars Moen work for?", "What company does he work for?" (after the rewrite:
#: a name), "Where is Helen Marsh employed?"
_EMPLOYER = (
    re.compile(_OPEN + r"(?i:where)\s+(?i:does|did|do)\s+" + _NAME + r"\s+(?i:work|teach|study)" + _END),
    re.compile(_OPEN + r"(?i:where)\s+(?i:is|was)\s+" + _NAME + r"\s+(?i:employed|working)" + _END),
    re.compile(
        _OPEN
        + r"(?i:(?:who|which\s+\w+|what\s+\w+)\s+(?:does|did|do))\s+"
        + _NAME
        + r"\s+(?i:work\s+(?:for|at)|represent)"
        + _END
    ),
    re.compile(_OPEN + r"(?i:for\s+whom)\s+(?i:does|did|do)\s+" + _NAME + r"\s+(?i:work)" + _END),
)


def asked_employer(question: str) -> str | None:
    """The name of the person a question asks where they work ("Where does Nader work?", "Who does Lars Moen work
    for?" → the name): the organisation their role names answers it ("an expert on Iranian politics at the RAND
    Corp."), the name does not; ``None`` for any other question."""
    q = question.strip()
    m = next((m for p in _EMPLOYER if (m := p.match(q))), None)
    return m.group("name") if m else None


def asked_person(question: str) -> tuple[str, bool] | None:
    """``(name, whole)`` for a question about a person it names — who they are (:func:`asked_identity`; their
    whole role answers, ``whole`` true) or where they work (:func:`asked_employer`; the part of a role naming the
    organisation answers) — the name itself no answer either way; ``None`` for any other question."""
    if (name := asked_identity(question)) is not None:
        return name, True
    if (name := asked_employer(question)) is not None:
        return name, False
    return None


def asked_identity(question: str) -> str | None:
    """The name a question asks who it is ("Who is Iravani?", "What is Emmerson's job title?", "What does
    Esfandiari do?" → the name), which is no answer to it (the answer says who that is: "Iran's permanent
    representative to the United Nations"); ``None`` for any other question ("Who is the Iranian Foreign
    Minister?", "Who is Iran's supreme leader?" ask for a name; "What position does he play?"). A name typed in
    lower case is one once :func:`restore_case` has written it as the articles do."""
    q = question.strip()
    m = next((m for p in _IDENTITY if (m := p.match(q))), None)
    return m.group("name") if m else None


# "Is Blinken the Secretary of State?", "Was Qaani a general?"
_ROLE_ASKED = re.compile(_OPEN + r"(?i:is|was)\s+" + _NAME + r"\s+(?i:the|a|an)\s+(?P<role>[^?!.]*\w)" + _END)


def asked_role(question: str) -> tuple[str, str] | None:
    """The name and the role of a yes / no question asking whether someone holds it ("Is Blinken the Secretary of
    State?" → ``("Blinken", "Secretary of State")``); ``None`` for any other question ("Is Joey a boy or a girl?"
    offers two; "Was I a vampire?" names no one)."""
    m = _ROLE_ASKED.match(question.strip())
    if m is None or m.group("name") == "I" or re.search(r"\bor\b", m.group("role"), re.IGNORECASE):
        return None
    return m.group("name"), m.group("role")


_LOWER_WORD = re.compile(r"(?<![\w'’])[a-z](?:[a-z-]|['’](?=[a-z]))*(?![\w-])")  # "o'neal", "iran's"


# the end of a sentence typed after an answer; not the point of "D.C.", "George W." or "Jr."
_END_MARK = re.compile(r"(?<![.\s][A-Za-z])(?<!\b(?:Jr|Sr|St|Dr|Mr|Ms|Co))(?<!\b(?:Inc|Ltd|Mrs))[.!?;:,]+$")


def bare_answer(answer: str) -> str:
    """An answer as a question can hold it: without the sentence's end a person typed after it ("Marion
    Cotillard." -> "Marion Cotillard": else "Who was Marion Cotillard.?"); an abbreviation's point is kept."""
    return _END_MARK.sub("", answer.strip()).rstrip()


def restore_case(question: str, texts: Sequence[str]) -> str:
    """``question`` with each word typed in lower case that ``texts`` (the passages it is asked of) always write
    capitalised written as they do: "what did macron say?" → "what did Macron say?", "who is blinken" → "who is
    Blinken"; a word they write in lower case anywhere ("arrested", "axis") or not at all stays as typed. The
    question's names are found by their capitals (who someone is, whose statement is meant)."""
    seen: dict[str, str | None] = {}

    def written(m: re.Match[str]) -> str:
        word = m.group()
        if word not in seen:
            spelled = re.sub(r"['’]", "['’]", re.escape(word))  # either apostrophe
            pattern = re.compile(rf"(?<![\w'’-]){spelled}(?![\w-])", re.IGNORECASE)
            forms = [f.group() for t in texts for f in pattern.finditer(t)]
            seen[word] = forms[0] if forms and all(f[:1].isupper() for f in forms) else None
        return seen[word] or word

    return _LOWER_WORD.sub(written, question)
