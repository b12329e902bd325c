"""Who said what: the statements an article reports, found once at ingest from spaCy's dependency parse and NER.

A statement is a cue verb of speech or stance (said, denied, called, warned, accused, acknowledged, ...), its speaker
(the verb's subject: a name, with the role the article gives it — an apposition or the words before the name in its
noun phrase; a relative pronoun ("…, who denied") or a personal pronoun ("he said") is followed to the person it
stands for), and what was said: the quotation the verb introduces or closes (direct), else its reported clause or
object (reported). Every part is a span of the canonical text (``text[start:end] == part.text``).

The same rule gives, when a question asks who someone is, the role the article gives a person it names but does
not quote (:func:`person_roles`: parsed then, only the retrieved sentences naming them).

Rules over the parse, not over words of questions: the cue verbs are a closed class of English reporting verbs, and
everything else comes from the dependency tree. No textacy: its quotation extractor finds direct quotes only, and
its install pulls scikit-learn and a dozen other packages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qa_bot.text import CUE_FORMS, CUE_VERBS, rule_sentences, words_within
from qa_bot.types import Statement, TextSpan

__all__ = ["extract_statements", "person_roles"]

#: A "he said" follows the person who spoke last when they spoke within this many lines (paragraphs).
_RECENT_LINES = 2
#: Lines before a "he said" whose names are looked for (the person it may mean); other lines are not parsed.
_NAMES_LINES = 4
_PRONOUN_SPEAKER = re.compile(r"\b(?:he|she)\b", re.IGNORECASE)
_RELATIVE = {"who", "which", "that", "whom"}
_PERSONAL = {"he": "PERSON", "she": "PERSON", "they": None, "it": None, "we": None, "i": None}
_SPEAKER_LABELS = {"PERSON", "ORG", "GPE", "NORP"}
#: Heads of a phrase that names people by what they are ("official US sources", "Johns Hopkins researchers").
_GROUPS = frozenset((
    "agency", "analyst", "authority", "critic", "detective", "diplomat", "doctor", "employer", "expert",
    "government", "group", "manager", "office",
    "investigator", "lawyer", "leader", "minister", "ministry", "member", "official", "officer", "police",
    "prosecutor", "representative", "researcher", "resident", "scientist", "source", "spokesman",
    "spokesperson", "spokeswoman", "team", "witness",
))  # fmt: skip
_CONTENT_DEPS = ("ccomp", "dobj", "xcomp", "attr", "oprd")
_QUOTES = {"“": "”", '"': '"', "‘": "’"}


def extract_statements(text: str, nlp: Any) -> list[Statement]:
    """Every statement of ``text`` (an article's canonical text), parsed by the spaCy pipeline ``nlp`` (tagger,
    parser, NER) line by line — a headline without a full stop is not read into the next line — in text order."""
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    persons: list[tuple[Any, int]] = []  # the people named so far, each with its line's offset
    out: list[Statement] = []
    last: tuple[TextSpan, TextSpan | None, int] | None = None  # the latest person speaker and their line
    for base, line, doc in _parsed(lines, nlp):
        quotes = _quotations(doc.text)
        named = [(e, base) for e in doc.ents if e.label_ == "PERSON"]
        for token in doc:
            if token.pos_ not in ("VERB", "AUX") or token.lemma_.lower() not in CUE_VERBS:
                continue
            recent = (_moved(last[0], -base), _moved(last[1], -base) if last[1] else None) if last and \
                line - last[2] <= _RECENT_LINES else None  # fmt: skip
            found = _speaker(token, [*persons, *named], base, recent)
            content = _content(token, quotes) if found is not None else None
            if found is None or content is None:
                continue
            speaker, role, mention = found
            if mention.text.lower() in _PERSONAL or any(
                e.start_char <= speaker.start < e.end_char and b == base for e, b in named
            ) or any(_moved(speaker, base).text == e.text for e, _ in persons):  # fmt: skip
                last = (_moved(speaker, base), _moved(role, base) if role else None, line)
            (c_start, c_end), direct = content
            sent = token.sent
            out.append(Statement(
                speaker=_moved(speaker, base), role=_moved(role, base) if role else None,
                verb=_moved(_span(doc.text, token.idx, token.idx + len(token.text)), base),
                content=_moved(_span(doc.text, c_start, c_end), base), direct=direct, mention=_moved(mention, base),
                sentence=_moved(_span(doc.text, sent.start_char, sent.start_char + len(sent.text.rstrip())), base),
            ))  # fmt: skip
        persons += named
    return out


def person_roles(
    text: str, name: str, nlp: Any, within: Sequence[tuple[int, int]]
) -> list[tuple[TextSpan, TextSpan, TextSpan]]:
    """``(person, role, sentence)`` for each mention of the person ``name`` in the stretches ``within`` of ``text``
    (the retrieved passages) where the article gives them a role, as a speaker's is found: the words before the
    name in its noun phrase ("Supreme Leader Ali Khamenei", "former UCLA basketball star Ed O'Bannon") or its
    apposition ("Khamenei, the Islamic republic's clerical leader"). For a person the article does not quote (a
    statement gives a speaker's role at ingest); parsed by ``nlp`` when asked, only the stretches naming them."""
    named = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, name.split())) + r"(?!\w)", re.IGNORECASE)
    out: list[tuple[TextSpan, TextSpan, TextSpan]] = []
    for start, end in within:
        if not named.search(text, start, end):
            continue
        doc = nlp(text[start:end])
        for ent in doc.ents:
            if ent.label_ != "PERSON" or not (named.search(ent.text) or words_within(ent.text, name)):
                continue  # not them ("Qaani" is "Esmail Qaani"; "Brigadier General Esmail Qaani" is too)
            found = _name_and_role(ent.root, _span(doc.text, ent.start_char, ent.end_char))
            if found is None or found[1] is None or not _describes(doc, found[1]):
                continue
            sent = ent.sent
            sentence = _span(doc.text, sent.start_char, sent.start_char + len(sent.text.rstrip()))
            out.append((_moved(found[0], start), _moved(found[1], start), _moved(sentence, start)))
    return out


_HONORIFICS = frozenset(("dr", "mr", "mrs", "ms", "miss", "sir", "dame", "prof", "rev"))


def _describes(doc: Any, role: TextSpan) -> bool:
    """Whether a role found for a person says what they are: a noun other than an honorific ("Dr."), not an age
    ("Cardenas Vela, 38,", "35-year-old Robyn Gardner") or an adjective alone ("the outspoken Ahmadinejad")."""
    tokens = doc.char_span(role.start, role.end, alignment_mode="expand") or []
    return any(
        t.pos_ in ("NOUN", "PROPN") and t.lower_.rstrip(".") not in _HONORIFICS and not t.like_num
        and "year" not in t.lower_
        for t in tokens
    )  # fmt: skip


def _parsed(lines: Sequence[tuple[int, str]], nlp: Any) -> list[tuple[int, int, Any]]:
    """The article parsed in pieces, in order, each as (offset, line number, doc): in full, the runs of sentences
    of a line where a word could be a cue verb (with the sentence before them, for the parse's context and its
    names), else for their names only where a "he said" follows within a few lines (the people it may mean) —
    the parser and the NER are the cost, and most sentences of an article report nothing."""
    full: list[tuple[int, int, str]] = []
    names: list[tuple[int, int, str]] = []
    for number, (base, line) in enumerate(lines):
        spans = rule_sentences(line) or [(0, len(line))]
        cue = [CUE_FORMS.search(line[a:b]) is not None for a, b in spans]
        whole = [cue[i] or (i + 1 < len(spans) and cue[i + 1]) for i in range(len(spans))]
        k = 0
        while k < len(spans):  # runs of sentences parsed the same way
            j = k
            while j + 1 < len(spans) and whole[j + 1] == whole[k]:
                j += 1
            (full if whole[k] else names).append(
                (base + spans[k][0], number, line[spans[k][0] : spans[j][1]])
            )
            k = j + 1
    # names are wanted only for a "he said" / "she said" to follow: on the lines shortly before one
    pronoun = [n for _, n, text in full if _PRONOUN_SPEAKER.search(text)]
    names = [u for u in names if any(0 <= p - u[1] <= _NAMES_LINES for p in pronoun)]
    names_only = [
        p for p in ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer") if p in nlp.pipe_names
    ]
    if "ner" not in nlp.pipe_names:
        names_only = []
    docs = [(at, n, doc) for (at, n, _), doc in zip(full, nlp.pipe(t for _, _, t in full), strict=True)]
    with nlp.select_pipes(disable=names_only):
        docs += [
            (at, n, doc) for (at, n, _), doc in zip(names, nlp.pipe(t for _, _, t in names), strict=True)
        ]
    return sorted(docs, key=lambda d: d[0])


def _moved(span: TextSpan, by: int) -> TextSpan:
    return TextSpan(span.start + by, span.end + by, span.text)


# -- speaker --------------------------------------------------------------------------------------------------
def _speaker(
    verb: Any,
    persons: Sequence[tuple[Any, int]],
    base: int,
    recent: tuple[TextSpan, TextSpan | None] | None = None,
) -> tuple[TextSpan, TextSpan | None, TextSpan] | None:
    """(speaker, role, mention), offsets in the verb's line (``base`` in the text): the verb's subject, followed
    to a name where it is a pronoun: the person who spoke last (``recent``, when they spoke in the last few
    lines: "…, al-Qaedi said. Three bullets hit the car, he added."), else the person named last (``persons``:
    the people named so far, each with its line's offset)."""
    text = verb.doc.text
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    agent = _agent(verb)
    head = verb
    while (
        subject is None
        and agent is None
        and head.dep_ in ("advcl", "xcomp", "conj", "acl")
        and head.head != head
    ):
        if head.dep_ == "acl" and head.head.pos_ in (
            "NOUN",
            "PROPN",
        ):  # "Iravani, ..., calling them baseless"
            subject = head.head
            break
        head = head.head
        subject = next((c for c in head.children if c.dep_ == "nsubj"), None) or _agent(head)
    subject = subject or agent
    if subject is None:
        return None
    mention = _span(text, subject.idx, subject.idx + len(subject.text))
    if subject.lower_ in _RELATIVE and subject.head.dep_ == "relcl":
        subject = subject.head.head  # "the envoy, who denied": the noun the clause hangs on
    elif subject.lower_ in _PERSONAL:
        if _PERSONAL[subject.lower_] != "PERSON":
            return None
        if recent is not None:
            return recent[0], recent[1], mention
        before = [(p, at) for p, at in persons if at < base or p.end_char <= subject.idx]
        if not before:
            return None
        person, at = before[-1]
        found = _name_and_role(person.root, mention)  # the role the article gave at that mention
        name, role = (
            (found[0], found[1])
            if found
            else (_span(person.doc.text, person.start_char, person.end_char), None)
        )
        shift = at - base  # that mention's line, in this line's offsets
        return _moved(name, shift), _moved(role, shift) if role else None, mention
    return _name_and_role(subject, mention)


def _agent(verb: Any) -> Any:
    """The doer of a passive verb ("countered by the envoy"): the object of its "by"."""
    return next((g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"), None)


def _name_and_role(head: Any, mention: TextSpan) -> tuple[TextSpan, TextSpan | None, TextSpan] | None:
    """The name in the noun phrase of ``head`` (or of its apposition) and the role around it."""
    text = head.doc.text
    appos = next((c for c in head.children if c.dep_ == "appos"), None)
    if (
        appos is not None and _entity(appos) is not None and _entity(head) is None
    ):  # "the envoy, Amir Iravani"
        name = _entity(appos)
        role_tokens = [t for t in _phrase(head) if not (appos.left_edge.i <= t.i <= appos.right_edge.i)]
    else:
        name = _entity(head)
        if (
            name is None and head.pos_ == "PROPN"
        ):  # a name the NER missed: the proper nouns ending at the head
            left = head.i
            while left > 0 and head.doc[left - 1].pos_ == "PROPN" and head.doc[left - 1].head.i == head.i:
                left -= 1
            name = head.doc[left : head.i + 1]
        if name is None:  # "official US sources": a group named by a phrase holding a name
            tokens = _trim(_phrase(head))
            if not tokens or head.lemma_.lower() not in _GROUPS:
                return None
            whole = _span(text, tokens[0].idx, tokens[-1].idx + len(tokens[-1].text))
            after = tokens[-1].i + 2  # "the envoy to the UN, Amir Iravani," (an apposition the parse missed)
            if after < len(head.doc) and head.doc[after - 1].text == "," and _person(head.doc[after]):
                named = _person(head.doc[after])
                return _span(text, named.start_char, named.end_char), whole, mention
            return whole, None, mention
        role_tokens = [t for t in _phrase(head) if t.i < name.start and t.dep_ != "det"]
        if appos is not None and _entity(appos) is None:  # "Khamenei, Iran's supreme leader"
            role_tokens = list(_phrase(appos))
    speaker = _span(text, name.start_char, name.end_char)
    role_tokens = _trim(role_tokens) or _trim(_phrase_before(name)) or _affiliation(name)
    role = (
        _span(text, role_tokens[0].idx, role_tokens[-1].idx + len(role_tokens[-1].text))
        if role_tokens
        else None
    )
    if role is not None and (role.end > speaker.start > role.start or role.text.lower() in ("the", "a")):
        role = None
    return speaker, role, mention


_AFFILIATED, _INSTITUTIONS = frozenset(("with", "of", "from", "at")), frozenset(("ORG", "FAC", "GPE"))


def _affiliation(name: Any) -> list[Any]:
    """The affiliation set off by commas after ``name``, when nothing else gives them a role: "Danielle Durham,
    with the Department of Radiology at University of North Carolina at Chapel Hill,", "Jane Roe, of Stanford
    University," — a preposition of belonging, then words up to the next comma or the sentence's end that begin
    with an institution (an organisation, a building or a place the NER finds). The parse may hang the preposition
    on the verb ("joined Danielle Durham, with the Department …"), so the words are read as written."""
    doc = name.doc
    at = name.end
    if at + 2 >= len(doc) or doc[at].text != "," or doc[at + 1].lower_ not in _AFFILIATED:
        return []
    first = at + 2 + (doc[at + 2].dep_ == "det")
    if not any(e.start in (at + 2, first) and e.label_ in _INSTITUTIONS for e in doc.ents):
        return []
    stop = next((t.i for t in doc[at + 2 :] if t.text in (",", ";", "(") or t.is_sent_start), len(doc))
    stop = min(stop, name.sent.end)
    return list(doc[at + 1 : stop]) if stop - at - 1 <= 16 else []  # a few words, not a clause run on


def _phrase_before(name: Any) -> list[Any]:
    """The noun phrase just before ``name`` and a comma ("the UN envoy, Amir Iravani"): the role it is given."""
    doc = name.doc
    if name.start < 2 or doc[name.start - 1].text != ",":
        return []
    last = chain = doc[name.start - 2]
    nouns = [last] if last.pos_ == "NOUN" else []
    while chain.head != chain and chain.head.right_edge.i == last.i and chain.head.i < name.start:
        chain = chain.head
        if chain.pos_ == "NOUN":
            nouns.append(chain)
    if not nouns:
        return []
    head = nouns[-1]
    if head.dep_ == "pobj" and head.head.dep_ == "prep" and head.head.head.pos_ in ("VERB", "AUX"):
        return []  # "In a previous instance, Blinken said": a circumstance, not a role
    return list(doc[head.left_edge.i : last.i + 1])


def _entity(token: Any) -> Any:
    """The named entity (person, organisation, place, group) holding ``token`` or, in its noun phrase, ending at
    it."""
    doc = token.doc
    for ent in doc.ents:
        if ent.label_ in _SPEAKER_LABELS and ent.start <= token.i < ent.end:
            return ent
    return None


def _person(token: Any) -> Any:
    """The PERSON entity starting at ``token``, if one does."""
    return next((e for e in token.doc.ents if e.label_ == "PERSON" and e.start == token.i), None)


def _phrase(head: Any) -> list[Any]:
    """The noun phrase of ``head``: its subtree less relative clauses, appositions and what follows a comma."""
    skip: set[int] = set()
    for child in head.children:
        if child.dep_ in ("relcl", "appos", "acl") or (child.dep_ == "punct" and child.i > head.i):
            skip.update(range(child.left_edge.i, child.right_edge.i + 1))
    return [t for t in head.subtree if t.i not in skip]


def _trim(tokens: list[Any]) -> list[Any]:
    while tokens and (tokens[0].is_punct or tokens[0].dep_ == "det" or tokens[0].is_space):
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct or tokens[-1].is_space or tokens[-1].dep_ in ("case", "cc")):
        tokens = tokens[:-1]
    return tokens


# -- what was said --------------------------------------------------------------------------------------------
def _content(verb: Any, quotes: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], bool] | None:
    """Char offsets of what was said and whether it is a direct quotation."""
    sent = verb.sent
    inside = [(a, b) for a, b in quotes if sent.start_char <= a and b <= sent.end_char and b - a > 1]
    passive = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
    if passive is not None and any(c.dep_ == "agent" for c in verb.children):  # "the claim was denied by X"
        words = _trim(_phrase(passive))
        return _strip(verb.doc.text, words[0].idx, words[-1].idx + len(words[-1].text)), False
    children = sorted(  # "told CNN the attack is ...": the clause, not the one told
        (c for c in verb.children if c.dep_ in _CONTENT_DEPS), key=lambda c: _CONTENT_DEPS.index(c.dep_)
    )
    for child in children:
        start, end = child.left_edge.idx, child.right_edge.idx + len(child.right_edge.text)
        if child.dep_ == "dobj":  # "calling them “baseless”", "described it as a fight": the object and more
            more = [c for c in verb.children if c.dep_ == "oprd" or (c.dep_ == "prep" and c.lower_ == "as")]
            if more:
                end = max(end, *(c.right_edge.idx + len(c.right_edge.text) for c in more))
        for a, b in inside:  # the whole of it quoted: a direct quotation
            if a <= start + 1 and b >= end - 1:
                return _strip(verb.doc.text, a + 1, b - 1), True
        return _strip(verb.doc.text, start, end), False
    about = next(
        (c for c in verb.children if c.dep_ == "prep" and c.lower_ in ("of", "about", "against", "that")),
        None,
    )
    if about is not None and not inside:  # "warned of an escalation"
        return _strip(
            verb.doc.text, about.left_edge.idx, about.right_edge.idx + len(about.right_edge.text)
        ), False
    if inside:  # '“…,” the spokesman said.': the quotation the verb closes or opens
        a, b = min(inside, key=lambda q: abs(q[0] - verb.idx))
        return _strip(verb.doc.text, a + 1, b - 1), True
    return None


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in ' “"‘,':
        start += 1
    while end > start and text[end - 1] in ' ”"’,.':
        end -= 1
    return start, end


def _quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation, its marks included."""
    out = []
    i = 0
    while i < len(text):
        close = _QUOTES.get(text[i])
        if close is not None and (text[i] != "‘" or i == 0 or not text[i - 1].isalnum()):
            j = text.find(close, i + 1)
            if j > i and "\n" not in text[i:j]:
                out.append((i, j + 1))
                i = j + 1
                continue
        i += 1
    return out


def _span(text: str, start: int, end: int) -> TextSpan:
    return TextSpan(start, end, text[start:end])
