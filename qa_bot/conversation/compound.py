"""A message that asks two things at once — "When was the attack and how many died?", "Who denied the allegations?
What did he call them?" — parted into its questions, so that each is answered as its own turn (the chat does; the
reader, given both at once, reads one of them or neither: "When was the attack and how many died?" was declined).

A message is parted only where the parts are plainly questions of their own:

* after a question mark, where each part opens as a question does ("Who denied it? What did he call them?"; not
  "How many died? in the war?");
* before "and" (or ", and", "&") followed by a question word or an auxiliary ("… and how many died?", "… and was he
  arrested?"), when what comes before it can be a question by itself (four words or more, or three whose second is
  no auxiliary waiting for its verb: "Who is Qaani and what is his role?"), so a question about two things stays
  whole ("Did Iran and Hamas meet?", "What did Blinken and who else say?"), when it opens as a question does
  ("They were from Arizona and where?" is one), and when what follows is a question, not a clause ("Tell me who the
  leader is and what he did", "… had a wound, and was deprived of sleep"); a bare question word after it is a question too
  ("Who did he meet and when?" → "Who did he meet?", "When?"), read as a follow-up in its conversation.

A message of more than :data:`MAX_QUESTIONS` questions is not parted (it is read as one, and a very long one is
refused as too long). Each part is given a capital and a question mark where it has none. The parts keep their order: a later one may
lean on an earlier one ("What did he call them?"), as any follow-up does.
"""

from __future__ import annotations

import re

__all__ = ["MAX_QUESTIONS", "split_questions"]

#: The most questions a message is parted into; one with more ("who? who? who? …") is read as it is, one question.
MAX_QUESTIONS = 4

_WH = r"(?:who|whom|whose|what|when|where|which|why|how)"
_AUX = (
    r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|isn't|aren't|wasn't|weren't|"
    r"don't|doesn't|didn't|hasn't|haven't)"
)
# a question word then a subject before any verb opens a clause, not a question: "… and what he did", "… and where
# the attack happened"
_SUBJECT = r"(?:i|you|he|she|it|we|they|there|this|that|these|those|[A-Z]\w*)"
_CLAUSE = rf"(?:{_SUBJECT}|the|a|an|his|her|its|their|our|my|your)\b"
_AFTER_QUESTION = re.compile(r"(?<=\?)\s+(?=\W*\w)")
_AND = re.compile(rf"\s*,?\s+(?:and|&)\s+(?=(?:{_WH}|{_AUX})\b)", re.IGNORECASE)
_ASKS = re.compile(rf"^\W*(?:{_WH}|{_AUX})\b", re.IGNORECASE)
_BARE_WH = re.compile(rf"^{_WH}\W*$", re.IGNORECASE)
_WH_CLAUSE = re.compile(
    rf"^(?i:{_WH})(?:\s+(?i:else|many|much|long|old|far|often|kind\s+of))?\s+(?:{_CLAUSE}|to\b)"
)
# an auxiliary then no pronoun or name goes on the sentence before "and": "… had a wound, and was deprived of
# sleep", "Which place hosts racetracks and is a casino?"
_AUX_PREDICATE = re.compile(rf"^(?i:{_AUX})\s+(?!{_SUBJECT}\b)")
# at least four words / two words, matched from the start (never counting a long message's words)
_FOUR_WORDS = re.compile(r"^\W*(?:[\w']+\W+){3}[\w']")
_TWO_WORDS = re.compile(r"^\s*\S+\s+\S")
_HELPER = re.compile(
    r"(?:do|does|did|has|have|had|can|could|will|would|should|may|might|must)", re.IGNORECASE
)


def split_questions(text: str) -> list[str]:
    """The questions ``text`` asks, in order (see the module docstring); ``[text]`` when it asks one."""
    sentences = _AFTER_QUESTION.split(text.strip())
    if not all(_ASKS.match(s) for s in sentences):
        sentences = [text.strip()]  # "What is it about? Thanks", "How many died? in the war?": one question
    parts = [p for s in sentences for p in _split_at_and(s) if re.search(r"\w", p)]
    if not 2 <= len(parts) <= MAX_QUESTIONS:
        return [text]
    return [_as_question(p) for p in parts]


def _split_at_and(sentence: str) -> list[str]:
    """``sentence`` cut before each "and" that opens a question of its own (see the module docstring); no more than
    :data:`MAX_QUESTIONS` + 1 parts are looked for (more are not parted anyway)."""
    parts: list[str] = []
    rest = sentence
    while len(parts) <= MAX_QUESTIONS:
        cut = next((found for found in _AND.finditer(rest) if _parts_at(rest, found)), None)
        if cut is None:
            break
        parts.append(rest[: cut.start()])
        rest = rest[cut.end() :]
    return [*parts, rest]


def _parts_at(sentence: str, found: re.Match[str]) -> bool:
    """Whether ``sentence`` is two questions, cut at its "and" ``found``."""
    before, after = sentence[: found.start()], sentence[found.end() :]
    asks = _BARE_WH.match(after) or (
        _TWO_WORDS.match(after) and not _WH_CLAUSE.match(after) and not _AUX_PREDICATE.match(after)
    )
    return bool(asks and _ASKS.match(before) and _whole(before))


def _whole(words_before: str) -> bool:
    """Whether the words before "and" can be a question by themselves: four words or more, or three whose second
    is no auxiliary waiting for its verb ("Who is Qaani", "who denied it"; not "What did Blinken")."""
    if _FOUR_WORDS.match(words_before):
        return True
    said = re.findall(r"[\w']+", words_before)
    return len(said) == 3 and not _HELPER.fullmatch(said[1])


def _as_question(part: str) -> str:
    part = part.strip().rstrip(",;")
    part = part[:1].upper() + part[1:]
    return part if part.endswith("?") else part.rstrip(".!") + "?"
