"""Conversation stage: small talk, and follow-ups turned into standalone questions.

A small, visible rewrite from the conversation so far (spaCy only; no coreference model is available offline):

- pronouns: "What did he call them?" after "Who denied the allegations?" -> "Amir Saeid Iravani"
  becomes "What did Amir Saeid Iravani call the allegations?";
- ellipsis: "and when?" after "What did Amir Saeid Iravani call the allegations?" becomes "When did Amir Saeid
  Iravani call the allegations?"; after a who-question it asks about the answered event ("When was it that Amir
  Saeid Iravani denied the allegations?"); "when did that happen?" is read the same way;
- a wh-fragment after a yes/no question asks about what it asked of: "Who?" after "Did anyone deny it?" becomes
  "Who did deny it?", "How many?" after "Did he miss any games?" "How many games did he miss?";
- a leading "and"/"so"/"but" is dropped ("and who made them?" -> "Who made the allegations?").

The result is shown to the user, so a wrong rewrite can be seen. Greetings, thanks and "what can you do?" get a
short reply without retrieval (:func:`smalltalk_reply`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from qa_bot.conversation.parses import RememberedParses
from qa_bot.conversation.smalltalk import strip_greeting, strip_instructions
from qa_bot.conversation.validate import validate_history
from qa_bot.text import WH_WORDS, asked_identity, bare_answer

if TYPE_CHECKING:
    from qa_bot.types import Retrieval

__all__ = [
    "PRONOUNS",
    "History",
    "RememberedParses",
    "asks_for_another",
    "names_its_subject",
    "reader_input",
    "rewrite_question",
    "standalone_question",
]

History = Sequence[tuple[str, str]]

_WH = ("how many", "how much", "how long", "how old", *WH_WORDS)  # longest first where it matters
_WORD = re.compile(r"[A-Za-z]+")
_LEAD = re.compile(r"^\s*(?:and|so|but|also|then|ok(?:ay)?|well)\b[\s,]*", re.IGNORECASE)
_FRAGMENT = re.compile(
    r"^\s*(?:and|so|but|also|then)?[\s,]*(how many|how much|how long|how old|who|what|when|where|why|how)"
    r"(?:\s+(?:else|exactly|then|again))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_HAPPEN = re.compile(
    r"^\s*(?:and|so|but)?[\s,]*(when|where|why|how)\s+(?:did|does|do|was|is|will|would)\s+(?:that|this|it)\s+"
    r"(?:happen|occur|take place|come about)\s*[?.!]*\s*$",
    re.IGNORECASE,
)

# words that point back into the conversation: a question holding one does not stand alone
_POINTING = frozenset(("there", "then", "that", "this", "those", "these", "else", "other", "another", "former",
                       "latter", "same", "such", "one", "ones"))  # fmt: skip
# a capitalised word that is not the question's first, or a year ("What happened in 2015?")
_NAMED = re.compile(r"(?<=[\s(\"“'‘])(?:[A-Z][a-z]|(?:1[5-9]|20)\d\d\b)")
_ABOUT = re.compile(r"^\W*(?:(?:and|so|but)\W+)?(?:what|how)\s+about\b", re.IGNORECASE)


def asks_for_another(question: str) -> bool:
    """Whether the question asks for something besides what was already answered ("what else did he say?")."""
    words = {w.lower() for w in _WORD.findall(question)}
    return bool(words & {"else", "other", "another", "besides"}) and not words & {"otherwise"}


def names_its_subject(question: str) -> bool:
    """Whether a question asked in a conversation stands on its own words: it names what it asks about (a
    capitalised word past its first: "Did US officials confirm Iran's role?") and leans on no earlier turn — no
    pronoun or pointing word ("he", "there", "that", "else"), no fragment ("Who?"), no "what about …?"."""
    words = {w.lower() for w in _WORD.findall(question)}
    return bool(
        _NAMED.search(question.strip())
        and not words & (PRONOUNS | _POINTING)
        and not _FRAGMENT.match(question)
        and not _ABOUT.match(question)
    )


def reader_input(found: Retrieval, reads_history: bool = True) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What the reader reads for a retrieval: a question that stands alone as searched for (greeting and orders
    dropped); a follow-up as asked (greeting and orders dropped), with the conversation so far, an abstention
    given as "unknown" (as the reader learned it from CoQA). The reader keeps the last turns that fit
    (:func:`qa_bot.answering.windows.question_text`). A reader that never learned to read a conversation
    (``reads_history`` false) gets the follow-up's standalone rewrite alone."""
    from qa_bot.types import ABSTAIN_TEXT

    if not found.history or not reads_history or (not found.rewritten and names_its_subject(found.question)):
        return found.standalone, ()
    bare = strip_instructions(strip_greeting(found.question))
    turns = tuple((q, "unknown" if a.strip() == ABSTAIN_TEXT else a) for q, a in found.history)
    return bare, turns


def standalone_question(
    question: str,
    history: History | None,
    nlp: Any,
    llm_rewrite: Callable[[str, list[tuple[str, str]]], str | None] | None = None,
) -> str | None:
    """What a message asks, standing alone: greeting and orders dropped, a follow-up resolved against the
    conversation (by ``llm_rewrite`` when given and it answers, else :func:`rewrite_question`). ``None``: the
    message is already a standalone question."""
    turns = validate_history(history)
    bare = strip_instructions(strip_greeting(question))
    if turns and nlp is not None:
        nlp = RememberedParses.of(nlp)
    rewritten = llm_rewrite(bare, turns) if turns and llm_rewrite is not None else None
    if rewritten is None and turns:
        rewritten = rewrite_question(bare, turns, nlp)
    if rewritten is None and bare != question:
        rewritten = bare[:1].upper() + bare[1:]
    return rewritten


# -- history ---------------------------------------------------------------------------------------------
def _usable(answer: str) -> bool:
    from qa_bot.types import ABSTAIN_TEXT

    return bool(answer.strip()) and answer.strip() != ABSTAIN_TEXT and len(answer.split()) <= 12


# What a pronoun may stand for, by its type: he/she -> a person; it/its -> an organisation, work, place or thing;
# they/them/their -> a group (or several things).
_PRONOUN_KIND = {
    "he": "person", "him": "person", "his": "person", "she": "person", "her": "person", "hers": "person",
    "it": "thing", "its": "thing", "they": "group", "them": "group", "their": "group",
}  # fmt: skip
PRONOUNS = frozenset(_PRONOUN_KIND)
_PERSON_PRONOUNS = {w for w, k in _PRONOUN_KIND.items() if k == "person"}
_THING_PRONOUNS = {w for w, k in _PRONOUN_KIND.items() if k != "person"}
_THING_LABELS = {"ORG", "GPE", "LOC", "FAC", "WORK_OF_ART", "PRODUCT", "LAW", "EVENT"}
_NOT_REFERENTS = {"CARDINAL", "PERCENT", "MONEY", "QUANTITY", "DATE", "TIME", "ORDINAL"}


def _answer_kind(question: Any, answer: str, nlp: Any) -> str | None:
    """What the previous answer is, as something a pronoun can point at: "person", "thing", "group" or ``None``
    (a number, a date, an adjective, an abstention). spaCy's entity label first, then the question's wh-word."""
    if not _usable(answer):
        return None
    doc = nlp(answer)
    labels = {e.label_ for e in doc.ents}
    tagged = any(t.pos_ for t in doc)  # a pipeline without a tagger (tests' blank one) says nothing of POS
    if (tagged and not any(t.pos_ in {"NOUN", "PROPN"} for t in doc)) or (
        labels & _NOT_REFERENTS and not labels - _NOT_REFERENTS
    ):
        return None
    # "off the coast" is a place by its preposition; "Per Aas" (spaCy: "Per" ADP) is a name
    by_preposition = tagged and doc[0].pos_ == "ADP" and not answer.istitle()
    if answer.strip()[:1].isdigit() or answer.strip()[:1] in "$€£" or by_preposition:
        return None  # a number, an amount, a place or time
    if asked_identity(question.text):
        return None  # "Who is Tom Penrose?" -> "skipper": "he" is still Tom Penrose
    if "PERSON" in labels:
        return "person"
    if " and " in answer or "NORP" in labels:
        return "group"
    if labels & _THING_LABELS:
        return "thing"
    if any(t.dep_ == "poss" and (t.ent_type_ == "PERSON" or t.lower_ in _PERSON_PRONOUNS) for t in question):
        return None  # "What is Ingrid Solberg's job?" -> "Mayor": what someone is, not a thing "it" points at
    wh = question[0].lower_ if len(question) else ""
    if wh in {"who", "whom"}:
        return "person"
    if wh in {"where", "which", "what", "whose"}:
        return "thing"
    return None


_POSSESSIVE = re.compile(r"\s*(?:['’]s|(?<=s)['’])$")


def _question_referents(question: Any) -> dict[str, str]:
    """What a previous question was about, by kind: the people it names; the organisation, place or work it
    names, else its subject or object noun phrase; a plural noun phrase for "they"."""
    found: dict[str, str] = {}
    # an entity with its possessive ("What is Amir Saeid Iravani's position?") is the name without it
    people = [_POSSESSIVE.sub("", e.text) for e in question.ents if e.label_ == "PERSON"]
    if not people:  # a name spaCy tags but types as nothing in a short question ("Was Qaani there?")
        people = [_POSSESSIVE.sub("", run) for run in _untyped_names(question)]
    # "Who is Qaani?" asks about a person, whatever spaCy types the name in so short a question
    asked = asked_identity(question.text)
    people = people or ([asked] if asked else [])
    if people:
        found["person"] = people[-1]
    things = [
        _POSSESSIVE.sub("", _phrase_of(e).text)
        for e in question.ents
        if e.label_ in _THING_LABELS and e.text != asked
    ]
    phrases = [
        nc[_wh_words(nc) :]  # "How many people work there?" -> "people"
        for nc in question.noun_chunks
        if nc.root.dep_ in {"nsubj", "nsubjpass", "dobj", "pobj", "attr"}
        and nc.root.pos_ in {"NOUN", "PROPN"}
        and _wh_words(nc) < len(nc)
        and not any(e.label_ == "PERSON" for e in nc.ents)
    ]
    singular = [nc.text for nc in phrases if nc.root.tag_ not in {"NNS", "NNPS"}]
    plural = [nc.text for nc in phrases if nc.root.tag_ in {"NNS", "NNPS"}]
    if things or singular:
        found["thing"] = (things or singular)[0]
    if plural:
        found["group"] = plural[0]
    return found


def _untyped_names(question: Any) -> list[str]:
    """Runs of capitalised words past a question's first word, a proper noun among them, that no entity of spaCy's
    holds ("Qaani" of "Was Qaani there?", "Per Aas" of "Was Per Aas happy?" — "Per" tagged a preposition; not
    "Cisco" of "Was Cisco there?", which it types a place)."""
    typed = {t.i for e in question.ents for t in e}
    runs: list[list[Any]] = []
    for t in question[1:]:
        if t.text[:1].isupper() and t.i not in typed:
            if runs and runs[-1][-1].i == t.i - 1:
                runs[-1].append(t)
            else:
                runs.append([t])
    return [question[r[0].i : r[-1].i + 1].text for r in runs if any(t.pos_ == "PROPN" for t in r)]


def _phrase_of(entity: Any) -> Any:
    """The noun phrase a name only modifies ("North Atlantic" of "North Atlantic right whale"), else the name; not
    at the question's end, where spaCy takes a verb or an adjective for the noun ("did Nordic Steel hire?")."""
    doc = entity.doc
    chunk = next((c for c in doc.noun_chunks if c.start <= entity.start and entity.end <= c.end), None)
    if (
        chunk is None
        or entity.start <= chunk.root.i < entity.end
        or all(t.is_punct for t in doc[chunk.end :])
    ):
        return entity
    return chunk


def _wh_words(phrase: Any) -> int:
    """How many words a noun phrase starts with that ask ("How many people", "which company": 2 and 1)."""
    asks = (t.lower_ in WH_WORDS or (i and t.lower_ in ("many", "much")) for i, t in enumerate(phrase))
    return next((i for i, a in enumerate(asks) if not a), len(phrase))


def _referent(kind: str, history: list[tuple[str, str]], nlp: Any) -> str | None:
    """The latest thing of ``kind`` in the conversation: each turn's answer first, then what its question was
    about, the most recent turn first."""
    for question, answer in reversed(history):
        q_doc = nlp(question)
        a_kind = _answer_kind(q_doc, answer, nlp)
        if a_kind == kind or (kind == "group" and a_kind == "thing"):
            if a_kind == "person" and len(answer.split()) > 6:  # a long answer: just the person it names
                people = [e.text for e in nlp(answer).ents if e.label_ == "PERSON"]
                return people[0] if people else bare_answer(answer)
            return bare_answer(answer)
        about = _question_referents(q_doc)
        if kind in about:
            return about[kind]
        if kind == "group" and "thing" in about:
            return about["thing"]
    return None


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _event(question: str, answer: str, nlp: Any) -> str | None:
    """The previous turn as a statement: "Who denied the allegations?" + "Amir Saeid Iravani" ->
    "Amir Saeid Iravani denied the allegations"."""
    doc = nlp(question.strip().rstrip("?.! "))
    if not doc or not _usable(answer):
        return None
    first = doc[0]
    if first.lower_ in {"who", "what", "which"} and first.dep_ in {"nsubj", "nsubjpass"}:
        rest = doc[1:].text if len(doc) > 1 else ""
        return f"{bare_answer(answer)} {rest}".strip() if rest else None
    return None


_AUXILIARIES = frozenset(("did", "does", "do", "was", "is", "were", "are", "will", "has", "have"))
# a yes/no question: "Was anyone hurt?", "And did he miss any games?"
_YES_NO = re.compile(
    r"^\W*(?:(?:and|so|but|then|also|well|ok|okay)\W+)*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|"
    r"would|should)\b",
    re.IGNORECASE,
)
# what the wh-word asks for in it: someone, something, somewhere ("Who?" after "Was anyone hurt?")
_INDEFINITE = {
    "who": re.compile(r"\b(?:anyone|anybody|someone|somebody)\b", re.IGNORECASE),
    "what": re.compile(r"\b(?:anything|something)\b", re.IGNORECASE),
    "where": re.compile(r"\b(?:anywhere|somewhere)\b", re.IGNORECASE),
}
# "any games" / "some games": what "How many?" counts or "What?" picks out
_ANY = re.compile(r"\b(?:any|some)\s+([a-z][\w-]*s)\b", re.IGNORECASE)


def _ask_again(wh: str, question: str, answer: str, nlp: Any) -> str | None:
    """A new wh-question about the previous turn: "and when?"."""
    prev = question.strip()
    low = prev.lower()
    event = _event(prev, answer, nlp)
    if event is not None:
        return f"{_capitalize(wh)} was it that {event}?"
    for w in sorted(_WH, key=len, reverse=True):
        if low.startswith(w + " "):
            body = prev[len(w) :].strip().rstrip("?.! ")
            # "What did X call the allegations?" -> "When did X call the allegations?"
            if body.split()[0].lower() in _AUXILIARIES:
                return f"{_capitalize(wh)} {body}?"
            return None
    return _of_yes_no(wh, prev) if _YES_NO.match(prev) else None


def _of_yes_no(wh: str, question: str) -> str | None:
    """A wh-question about what a yes/no question asked of: "Who?" after "Did anyone deny it?" -> "Who did deny
    it?", "What?" after "Is she carrying something?" -> "What is she carrying?", "How many?" after "Did he miss any
    games?" -> "How many games did he miss?", "Where?" after "Were they taken to a hospital?" -> "Where were they
    taken to a hospital?"."""
    body = _LEAD.sub("", question.strip(), count=1).rstrip("?.! ")
    body = body[:1].lower() + body[1:]
    indefinite = _INDEFINITE.get(wh)
    if indefinite is not None and indefinite.search(body):
        body = indefinite.sub("", body, count=1)
    elif wh in {"how many", "how much", "what"} and (some := _ANY.search(body)):
        wh = f"{wh} {some.group(1)}"
        body = body[: some.start()] + body[some.end() :]
    body = " ".join(body.split())
    return f"{_capitalize(wh)} {body}?" if body else None


def _standalone(turns: list[tuple[str, str]], nlp: Any) -> list[tuple[str, str]]:
    """Earlier turns with their own follow-ups resolved, so that a chain of follow-ups stays resolvable."""
    out: list[tuple[str, str]] = []
    for question, answer in turns:
        out.append(((rewrite_question(question, out, nlp) if out else None) or question, answer))
    return out


def rewrite_question(question: str, history: History, nlp: Any) -> str | None:
    """The standalone form of ``question`` given earlier ``(question, answer)`` turns (oldest first), or
    ``None`` when it needs no rewrite."""
    turns = _standalone(list(history)[-5:], nlp)
    if not turns:
        return None
    prev_q, prev_a = turns[-1]
    words = {w.lower() for w in _WORD.findall(question)}
    stripped = _LEAD.sub("", question, count=1)
    pronouns = bool(words & (_PERSON_PRONOUNS | _THING_PRONOUNS))
    fragment = [m for m in (p.match(question) for p in (_FRAGMENT, _HAPPEN)) if m]
    if isinstance(nlp, RememberedParses):  # what this follow-up will parse, at least, parsed together
        needed = [prev_q.strip().rstrip("?.! ")] if fragment else []
        if pronouns:
            needed += [stripped, prev_q, *([prev_a] if _usable(prev_a) else [])]
        nlp.prefetch(needed)
    for m in fragment:
        again = _ask_again(m.group(1).lower(), prev_q, prev_a, nlp)
        if again is not None:
            return again
    if not pronouns:
        return _capitalize(stripped) if stripped != question and stripped.strip() else None
    doc = nlp(stripped)
    found: dict[str, str | None] = {}

    def referent(kind: str) -> str | None:
        if kind not in found:
            found[kind] = _referent(kind, turns, nlp)
        return found[kind]

    pieces: list[str] = []
    changed = stripped != question
    named: set[str] = set()  # a referent is named once; a later pronoun of its kind refers back to the name
    used: set[str] = set()  # the referents named so far, of any kind
    for t in doc:
        low = t.lower_
        kind = _PRONOUN_KIND.get(low)
        repl = None
        if (
            kind is not None
            and kind not in named
            and (t.pos_ in {"PRON", ""} or low in {"his", "its", "their", "her"})
        ):
            who = referent(kind)
            possessive = low in {"his", "its", "their", "hers"} or (low == "her" and t.dep_ == "poss")
            if who is not None and who not in used:  # "he" and "it" are not one thing
                repl = who + "'s" if possessive else who
                named.add(kind)
                used.add(who)
        if repl is not None:
            changed = True
            pieces.append(repl + t.whitespace_)
        else:
            pieces.append(t.text_with_ws)
    return _capitalize("".join(pieces)) if changed else None
