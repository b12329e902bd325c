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
"YouTube") unless it is a word run into a capitalised word of the articles ("againstHamas", "UnitedStates" →
"United States"), a word of fewer than four letters past the first, a piece of a hyphenated or digit-joined word, and a word
with no such neighbour. The first word is only mended to a word that opens questions ("Whs" → "Was"), so a name that
starts a question is never touched. A word with no such neighbour that is two words run together, a space left out,
is parted ("deniedthe" → "denied the", "Howmany" → "How many"; the likelier cut by the words' frequencies): two
words of the dictionary, or for a name its first part a word of the articles ("Iravanicall" → "Iravani call"). A
slip is mended to a word of the articles only as they write it (``LexicalIndex.words``, kept beside the stems): "Khan
Yunis" → "Khan Younis", never another ending on an article word's stem ("Hezbollahand" is not "Hezbollahant"). A
word is left alone when it is the articles' by its stem ("testify" where they say "testified"), or a whole word of
the reader's WordPiece vocabulary the dictionary lacks ("apps", "uber"); and a dictionary word met only once or
twice in its corpus is no mend ("covid" stays, not "covin"). A word of six letters or more that nothing one slip
away answers may have two slips in it ("catpute", "hsotgaes"): it is mended to a word of the articles two slips
away (accents aside: "Saurez" → "Suárez"), only when that word is at least ten times likelier than any other such
word but its own forms ("attahs": "attacks", not "attack"), and never to the word with another ending
("Oklahomans" is not "Oklahoma", "Bermudez" not "Bermuda"); such a word beats two words of no article run together
("oferred" is "offered", not "of erred").
(Measured: on the CoQA CNN dev split, 10 of 386 questions changed, F1 58.7 → 58.9, yes / no right 41 → 42 of 63;
on 30,293 SQuAD 1.1 training questions 539 changed, about nine in ten to the word meant; with one slip made in every
question, ``scripts/check_typos.py``, the seed dev set 95.5 → 59.1 unmended → 95.5 mended, news 97.9 → 61.9 → 97.9;
two slips in one word, ``--two``: seed 59.1 → 86.4, news 66.1 → 93.8, where one slip's mends alone gave 59.1 / 74.4.)
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from qa_bot.text import tokenize

__all__ = ["QUESTION_OPENERS", "respell", "spell_checker"]

#: Words a question may open with, the only ones its misspelt first word is mended to.
QUESTION_OPENERS = frozenset(("what", "who", "whom", "whose", "where", "when", "why", "which", "how", "was", "is",
                              "are", "were", "did", "do", "does", "has", "have", "had", "can", "could", "will",
                              "would", "should", "may", "might", "must", "and", "but", "so", "name", "tell", "list",
                              "give"))  # fmt: skip
# a word of letters only, not joined to other word characters, an apostrophe (but a possessive's: "Blinkin's") or a
# hyphen
_WORD = re.compile(r"(?<![\w'’-])[^\W\d_]+(?=['’]s\b|(?![\w'’-]))")
# letters a word needs for two slips in it to be mended (fewer leave too little of the word)
_TWO_SLIPS_FROM = 6
_LOCK = threading.Lock()
_CHECKER: list[Any] = []


def spell_checker() -> Any:
    """The English ``pyspellchecker.SpellChecker`` (edit distance 1), loaded once (about 0.15 s)."""
    with _LOCK:
        if not _CHECKER:
            from spellchecker import SpellChecker

            _CHECKER.append(SpellChecker(distance=1))
        return _CHECKER[0]


@functools.lru_cache(maxsize=1)
def _wordpieces() -> frozenset[str]:
    """The whole words of four letters or more in the embedder's and the reader's WordPiece vocabulary (uncased
    BERT's 30,522 pieces): words of the web the dictionary lacks ("apps", "uber", "smartphone")."""
    from qa_bot.models import embedding_model_path

    vocab = embedding_model_path() / "vocab.txt"
    return frozenset(w for w in vocab.read_text("utf-8").split() if len(w) > 3 and w.isalpha())


def respell(
    question: str,
    known: Callable[[str], bool],
    checker: Any = None,
    written: Collection[str] | None = None,
) -> str | None:
    """``question`` with its misspelt words mended (see the module docstring), or ``None`` when none is.

    ``known``: whether a (lowercase) word is in the articles, by its stem (e.g.
    :meth:`qa_bot.store.lexical.LexicalIndex.knows`); such a word is never mended. ``written``: the articles' words
    as they write them (lowercase, ``LexicalIndex.words``): the words a slip is mended to, and the only ones two
    slips are (``None``: a word ``known`` that the dictionary has or that is its own stem; none two slips away).
    ``checker``: a ``pyspellchecker.SpellChecker`` (default :func:`spell_checker`).
    """
    words = list(_WORD.finditer(question))
    if not any(tokenize(m.group()) and not known(m.group().lower()) for m in words):
        return None  # every word a stop word or the articles': the dictionary is not even loaded
    lexicon = _Lexicon(known, written, checker if checker is not None else spell_checker())
    first = words[0].start() == len(question) - len(question.lstrip())
    pieces: list[str] = []
    last = 0
    for i, match in enumerate(words):
        mended = _mend(match.group(), lexicon, opener=first and i == 0)
        if mended is not None:
            pieces += [question[last : match.start()], mended]
            last = match.end()
    return None if not pieces else "".join(pieces) + question[last:]


@dataclass(frozen=True)
class _Lexicon:
    """The words a question is checked against: the articles' (by stem, and as written) and the dictionary."""

    known: Callable[[str], bool]
    written: Collection[str] | None
    checker: Any

    def theirs(self, word: str) -> bool:
        """Whether ``word`` (lowercase) is a word the articles write, not a stop word — and not another ending on
        one's stem ("hezbollahant")."""
        stems = tokenize(word) if word.isalpha() else []  # none for a stop word: "when" is no article's word
        if not stems:
            return False
        if self.written is not None:
            return word in self.written
        return self.known(word) and (word in self.checker or stems == [word])


def _mend(word: str, lexicon: _Lexicon, opener: bool) -> str | None:
    lower, checker = word.lower(), lexicon.checker
    if lower in checker or lexicon.known(lower):
        return None
    if any(c.isupper() for c in word[1:]):
        return _parted_at_capital(word, lexicon)
    if not opener and (len(word) < 4 or lower in _wordpieces()):
        return None
    near = {w for w in checker.edit_distance_1(lower) if w[:1] == lower[:1] and len(w) > 1}
    frequency: Callable[[str], float] = checker.word_usage_frequency

    def likely(words: Iterable[str]) -> dict[str, float]:
        return {w: max(frequency(w), 1e-12) * _slip(lower, w) for w in words}

    # the first word: a question's opener, else two words run together, one of them an opener ("Howmany",
    # "Roughlyhow"); another: a word of the articles, else (not for a name) of the dictionary, or two words run
    # together (for a name, the first of them a word of the articles: "Iravanicall")
    def joined() -> dict[str, float]:  # cut only where no word one slip away answers
        return _joined(lower, frequency, lexicon.theirs)

    if opener:
        scores = likely(near & QUESTION_OPENERS) or {
            w: v for w, v in joined().items() if QUESTION_OPENERS.intersection(w.split())
        }
    else:
        scores = likely(filter(lexicon.theirs, near))
        if not scores and word[0].isupper():
            scores = {w: v for w, v in joined().items() if lexicon.theirs(w.split()[0])}
            scores = scores or _two_slips(lower, lexicon, likely)
        elif not scores:
            # a dictionary word met twice or less in its corpus ("covin" for "covid") is no likelier than a slip
            ones, cuts = likely(w for w in checker.known(near) if frequency(w) >= 1e-7), joined()
            scores = ones | cuts
            if not ones and not any(lexicon.theirs(p) for cut in cuts for p in cut.split() if len(p) > 2):
                # two words of no article run together are less likely than two slips in one of theirs:
                # "oferred" is "offered", not "of erred"
                scores = _two_slips(lower, lexicon, likely) or cuts
    if not scores:
        return None
    best = max(sorted(scores), key=scores.__getitem__)
    return best[:1].upper() + best[1:] if word[:1].isupper() else best


def _parted_at_capital(word: str, lexicon: _Lexicon) -> str | None:
    """A word run into a capitalised word of the articles, parted at its capital ("againstHamas" -> "against
    Hamas", "UnitedStates" -> "United States"): both parts words of the articles, or a lowercase first part a common
    word of the dictionary. Else (a name written with a capital inside: "iPods", "YouTube") ``None``."""
    i = next(i for i in range(1, len(word)) if word[i].isupper())
    head, tail = word[:i], word[i:]
    if len(head) < 2 or any(c.isupper() for c in tail[1:]) or not lexicon.theirs(tail.lower()):
        return None
    common = head.islower() and lexicon.checker.word_usage_frequency(head) >= 1e-5
    return f"{head} {tail}" if common or lexicon.theirs(head.lower()) else None


def _joined(word: str, frequency: Callable[[str], float], known: Callable[[str], bool]) -> dict[str, float]:
    """``word`` cut into two words, as if a space was left out ("howmany" -> "how many"), each cut scored by the
    product of its words' frequencies. A word is one of the dictionary (of two letters, only a common one: "to")
    or of the articles (three letters or more, counted as a rare word of the dictionary where it is none)."""

    def weight(part: str) -> float:
        f = frequency(part)
        if f >= (1e-4 if len(part) < 3 else 1e-7):
            return f
        return 1e-7 if len(part) > 2 and known(part) else 0.0

    cuts = {}
    for i in range(2, len(word) - 1):
        a, b = weight(word[:i]), weight(word[i:])
        if a and b:
            cuts[f"{word[:i]} {word[i:]}"] = a * b
    return cuts


def _two_slips(
    word: str, lexicon: _Lexicon, likely: Callable[[Iterable[str]], dict[str, float]]
) -> dict[str, float]:
    """Two slips in one word ("catpute", "ocured"), of six letters or more: the word of the articles it was meant
    for, when one is clearly likelier than any other such word ("ocured" is "occurred" where the story says
    "obscured" too) but for its own forms ("attahs": "attacks" or "attack"); else none."""
    if lexicon.written is None or len(word) < _TWO_SLIPS_FROM:
        return {}
    scores = likely(filter(lexicon.theirs, _two_slips_away(word, lexicon.written)))
    best = max(sorted(scores), key=scores.__getitem__, default="")
    if any(v * 10 > scores[best] and tokenize(w) != tokenize(best) for w, v in scores.items()):
        return {}
    return scores


def _two_slips_away(typed: str, vocabulary: Collection[str]) -> list[str]:
    """The words of ``vocabulary`` two slips from ``typed`` (optimal string alignment distance 2: left out,
    swapped, changed or extra letters, accents aside: "Saurez" is "Suárez") that begin with its letter, but not one
    that is the word with another ending (:func:`_other_ending`: "Oklahomans", "Iberians", "Bermudez" are not
    "Oklahoma", "Iberia", "Bermuda")."""
    near = _by_initial(vocabulary if isinstance(vocabulary, frozenset) else frozenset(vocabulary))
    return [
        word
        for size in range(len(typed) - 2, len(typed) + 3)
        for word, plain in near.get((typed[:1], size), ())
        if _slips(typed, plain, 2) <= 2 and not _other_ending(typed, plain)
    ]


def _other_ending(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one word with other endings: past the letters they begin with, one has nothing
    more ("Oklahomans", "Oklahoma") or the two have no letter in common ("Bermudez", "Bermuda"). Slips move, drop
    or double a word's letters ("Netanyauuh", "attahs"), seldom swap its ending for another."""
    shared = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return not set(a[shared:]) & set(b[shared:])


@functools.lru_cache(maxsize=4)
def _by_initial(vocabulary: frozenset[str]) -> dict[tuple[str, int], tuple[tuple[str, str], ...]]:
    """The words of five letters or more of ``vocabulary``, each with its letters unaccented ("suárez", "suarez"),
    by their first letter and length (a frozenset hashes once)."""
    out: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for w in vocabulary:
        plain = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
        if len(plain) >= 5 and plain.isalpha():
            out.setdefault((plain[0], len(plain)), []).append((w, plain))
    return {k: tuple(v) for k, v in out.items()}


def _slips(a: str, b: str, most: int) -> int:
    """The optimal string alignment distance of ``a`` and ``b`` (a letter left out, one too many, one changed, two
    neighbours swapped: one slip each), or ``most + 1`` as soon as it must be more than ``most``."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        above, row = row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(above[j] + 1, row[j - 1] + 1, above[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > most:
            return most + 1
        before = above
    return row[-1]


def _slip(typed: str, word: str) -> float:
    """How likely, against the others, the slip that turns ``word`` into ``typed`` (one edit apart): a letter left
    out or two swapped (1), one changed or one too many (1/10)."""
    if len(word) > len(typed) or (len(word) == len(typed) and sorted(word) == sorted(typed)):
        return 1.0
    return 0.1
