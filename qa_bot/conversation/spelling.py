"""A question's misspelt words mended before it is read: "did he tesitfy?" → "did he testify?".

People type fast: about one CoQA turn in seventy has a word that is in no dictionary and not in the story
("Wa anyone with him?", "who commited suiside?"). The search then misses the word, the reader sees word pieces it
never learned, and a yes / no question whose auxiliary is misspelt is not read as one.

A word is mended only when it is in neither the indexed articles (by its stem) nor the English dictionary of
``pyspellchecker`` (its word-frequency list, loaded once), and only to a word one slip away (a letter left out, two
swapped, one changed or one too many) that begins with the same letter: a word of the articles first, else the
likeliest in the dictionary (its frequency, a left-out or swapped letter counted ten times a changed or extra one).
A name (a capitalised word past the first: "What did Blinkin say?") is mended only to a word of the articles
("Blinken"), so a name they never mention stays as typed. Left as typed too: a word with a capital inside ("iPods",
"NATO"), a word of fewer than four letters past the first, a piece of a hyphenated or digit-joined word, and a word
with no such neighbour. The first word is only mended to a word that opens questions ("Whs" → "Was"), so a name that
starts a question is never touched.
(Measured: on the CoQA CNN dev split, 10 of 386 questions changed, F1 58.7 → 58.9, yes / no right 41 → 42 of 63;
on 30,293 SQuAD 1.1 training questions 539 changed, about nine in ten to the word meant; with one slip made in every
question, ``scripts/check_typos.py``, the seed dev set 95.5 → 59.1 unmended → 95.5 mended, news 97.9 → 61.9 → 97.9.)
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["QUESTION_OPENERS", "respell", "spell_checker"]

#: Words a question may open with, the only ones its misspelt first word is mended to.
QUESTION_OPENERS = frozenset(("what", "who", "whom", "whose", "where", "when", "why", "which", "how", "was", "is",
                              "are", "were", "did", "do", "does", "has", "have", "had", "can", "could", "will",
                              "would", "should", "may", "might", "must", "and", "but", "so", "name", "tell", "list",
                              "give"))  # fmt: skip
# a word of letters only, not joined to other word characters, an apostrophe or a hyphen
_WORD = re.compile(r"(?<![\w'’-])[^\W\d_]+(?![\w'’-])")
_LOCK = threading.Lock()
_CHECKER: list[Any] = []


def spell_checker() -> Any:
    """The English ``pyspellchecker.SpellChecker`` (edit distance 1), loaded once (about 0.15 s)."""
    with _LOCK:
        if not _CHECKER:
            from spellchecker import SpellChecker

            _CHECKER.append(SpellChecker(distance=1))
        return _CHECKER[0]


def respell(question: str, known: Callable[[str], bool], checker: Any = None) -> str | None:
    """``question`` with its misspelt words mended (see the module docstring), or ``None`` when none is.

    ``known``: whether a (lowercase) word is in the articles; such a word is never mended, and is preferred as the
    mended word (e.g. :meth:`qa_bot.store.lexical.LexicalIndex.knows`: by its stem).
    ``checker``: a ``pyspellchecker.SpellChecker`` (default :func:`spell_checker`).
    """
    words = list(_WORD.finditer(question))
    if not words:
        return None
    checker = checker if checker is not None else spell_checker()
    first = words[0].start() == len(question) - len(question.lstrip())
    pieces: list[str] = []
    last = 0
    for i, match in enumerate(words):
        mended = _mend(match.group(), known, checker, opener=first and i == 0)
        if mended is not None:
            pieces += [question[last : match.start()], mended]
            last = match.end()
    return None if not pieces else "".join(pieces) + question[last:]


def _mend(word: str, known: Callable[[str], bool], checker: Any, opener: bool) -> str | None:
    lower = word.lower()
    if lower in checker or known(lower) or any(c.isupper() for c in word[1:]):
        return None
    if not opener and len(word) < 4:
        return None
    near = {w for w in checker.edit_distance_1(lower) if w[:1] == lower[:1] and len(w) > 1}
    # the first word: a question's opener; a name (capitalised): a word of the articles; another word: a word of
    # the articles, else of the dictionary
    if opener:
        pool = near & QUESTION_OPENERS
    else:
        pool = set(filter(known, near)) or (set() if word[0].isupper() else set(checker.known(near)))
    if not pool:
        return None
    frequency: Callable[[str], float] = checker.word_usage_frequency
    best = max(sorted(pool), key=lambda w: max(frequency(w), 1e-12) * _slip(lower, w))
    return best[:1].upper() + best[1:] if word[:1].isupper() else best


def _slip(typed: str, word: str) -> float:
    """How likely, against the others, the slip that turns ``word`` into ``typed`` (one edit apart): a letter left
    out or two swapped (1), one changed or one too many (1/10)."""
    if len(word) > len(typed) or (len(word) == len(typed) and sorted(word) == sorted(typed)):
        return 1.0
    return 0.1
