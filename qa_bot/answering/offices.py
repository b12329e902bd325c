"""Office holders: "Who is Cisco's CEO?" is not answered with another company's CEO.

A question asking who holds an office ("Who is Cisco's CEO?", "Who is the CEO of Acacia?", "Who is Iran's foreign
minister?") names the office by a title and whose it is. An article about a deal names both companies' chief
executives a sentence apart, and the reader, which scores each span on its own, can rank "Raj Shanmugaraj" (of
"Acacia (ACIA) CEO Raj Shanmugaraj") just above "Chuck Robbins" (of "Cisco CEO Chuck Robbins"): the title matches,
the owner does not. The role the article gives a candidate where it names them (the words before the name in its
noun phrase, or its apposition: :func:`qa_bot.ingest.statements.person_roles`) tells the two apart. A candidate
is passed over when that role shares a word with the office (its title: "CEO") but names someone else's: a
capitalised word the question does not give, and none of the ones it gives. A role that shares no
title with the question ("Brigadier General" for "the leader of the Quds Force") or names no one ("the CEO") says
nothing against a candidate; a candidate the sentence gives no role keeps its place. The reader still ranks; this
only takes away what the article's own words bind to another office.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa_bot.text import asked_identity, content_words, stem

__all__ = ["Office", "RoleFinder", "asked_office"]

#: ``(sentence, name)`` -> the roles the sentence gives the person ``name`` where it names them.
RoleFinder = Callable[[str, str], Sequence[str]]

_LEAD = r"^\W*(?:(?:and|so|then|ok|okay|well)\W+)*"
_IS = r"(?:\s+(?:is|was|are|were)|'s|’s)\s+"
_ASKED = (  # "Who is Cisco's CEO?", "What is the name of Cisco's CEO?", "What is Cisco's CEO's name?"
    re.compile(_LEAD + r"who" + _IS + r"(?P<office>[^?]+?)\W*$", re.IGNORECASE),
    re.compile(
        _LEAD + r"what" + _IS + r"the\s+(?:full\s+)?name\s+of\s+(?P<office>[^?]+?)\W*$", re.IGNORECASE
    ),
    re.compile(_LEAD + r"what" + _IS + r"(?P<office>[^?]+?)['’]s\s+(?:full\s+)?name\W*$", re.IGNORECASE),
)
# what a question asking who holds an office does not start its office with: a pronoun or a preposition ("Who is
# he?", "Who was she with?", "Who was on a day pass?"), or "it" / "that" ("Who is that?")
_NOT_OFFICE = frozenset((
    "he", "she", "it", "they", "him", "her", "them", "we", "you", "i", "me", "us", "this", "that", "these", "those",
    "there", "here", "on", "in", "at", "with", "by", "for", "from", "to", "about", "after", "before", "not", "also",
    "still",
))  # fmt: skip
_NAME_WORD = re.compile(r"\b[A-Z][\w.&-]*")
_POSSESSIVE = re.compile(r"['’]s?$")


@dataclass(frozen=True)
class Office:
    """The office a question asks the holder of: the stems of its words ("Cisco's CEO" -> cisco, ceo) and of
    those written with a capital (the names, and titles written so)."""

    phrase: str
    words: frozenset[str]
    capitals: frozenset[str]

    def elsewhere(self, role: str) -> bool:
        """Whether ``role`` (the words an article gives a person: "Acacia (ACIA) CEO") is this office's title held
        for someone else: it shares a word with the office, a capitalised word of the office is not in it ("Cisco")
        and one of its own capitalised words is not in the office ("Acacia"). "Iran" and "Iranian" are one."""
        role_words = _words(role)
        if not self.words & role_words:
            return False
        missing = [w for w in self.capitals if not any(_same_name(w, r) for r in role_words)]
        extra = [w for w in _capitals(role) if not any(_same_name(w, q) for q in self.words)]
        return bool(missing) and bool(extra)

    def passes_over(self, sentence: str, name: str, roles: RoleFinder) -> bool:
        """Whether the candidate ``name``, read in ``sentence``, holds another office there: the sentence gives
        them a role, and every role it gives them is :meth:`elsewhere`."""
        found = roles(sentence, name)
        return bool(found) and all(self.elsewhere(r) for r in found)


def asked_office(question: str) -> Office | None:
    """The office a question asks who holds ("Who is Cisco's CEO?"); ``None`` for a question of another form, or
    one whose office names no one ("Who is he?", "Who was on a day pass?", "Who is the current vice president?":
    nothing then tells one office of that title from another)."""
    m = next((m for p in _ASKED if (m := p.match(question.strip()))), None)
    if m is None:
        return None
    phrase = m.group("office")
    if phrase.split()[0].lower().strip(",") in _NOT_OFFICE:
        return None
    if asked_identity(question):  # "Who is Chuck Robbins?": a name, not an office
        return None
    words = _words(phrase)
    capitals = _capitals(phrase) & words
    if not capitals:
        return None
    return Office(phrase, words, capitals)


def _words(text: str) -> frozenset[str]:
    """The stems of the content words of ``text`` (one-letter pieces left out: "Cisco's" -> cisco)."""
    return frozenset(stem(w) for w in content_words(text) if len(w) > 1)


def _capitals(text: str) -> frozenset[str]:
    """The stems of the words of ``text`` written with a capital, possessives cut ("Cisco's" -> cisco)."""
    return frozenset(stem(_POSSESSIVE.sub("", w).lower()) for w in _NAME_WORD.findall(text) if len(w) > 1)


def _same_name(a: str, b: str) -> bool:
    """Whether two stems are one word or a name and its adjective ("iran" / "iranian")."""
    short, long = sorted((a, b), key=len)
    return short == long or (len(short) >= 4 and long.startswith(short))
