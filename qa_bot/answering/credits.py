"""Who took a photo: the credit at the end of the article's photo captions.

A news article carries its photos' captions as lines of text, each ending with its credit in brackets — "Gazans
celebrate next to a destroyed Israeli tank … (AP Photo/Yousef Masoud)", "… Antony Blinken speaks during a Security
Council meeting … (Seth Wenig/AP)". Asked "Who took the photo of the destroyed Israeli tank?", the reader read the
caption as a sentence and answered with the people in the photo ("Gazans"), and "Who photographed Blinken?" with
his first name: the credit is a convention of the genre, not a sentence. So a question that asks who took, shot or
is credited with a photo (:func:`asks_for_photographer`: a photo word and an authorship word, never "Who is in the
photo?") is answered from the credits (:func:`photo_credits`): the photographer's name where the credit gives one
(the agency otherwise: "(AP)"; a part with an organisation's word — "Wire", "News", "Images" — is an agency, whichever
comes first: "(Nordic Wire/Ola Berg)"), of the caption that shares the most words with the question (the first caption when
the question names nothing; none when it names something no caption mentions — then the reader answers). The name
is a span of the article, cited by its caption line, like every other answer. A question asking what (who) the photo
shows — "Who is in the photo?", "What does the picture show?" (:func:`asks_what_photo_shows`) — is answered by the
caption's words before the credit; the reader answered it with the photographer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa_bot.answering.attribution import quoted_answer
from qa_bot.text import content_words, stem
from qa_bot.types import Answer, Document, Passage

__all__ = [
    "Credit",
    "asks_for_photographer",
    "asks_what_photo_shows",
    "credit_answer",
    "credited_spans",
    "photo_credits",
]

_PHOTO = r"(?:photo(?:graph)?s?|pictures?|pics?|images?|snapshots?)"
_ASKS = re.compile(r"\b(?:who|whom|whose|which|what)\b", re.IGNORECASE)
_BY = (
    r"\bphotographers?\b",  # "Who is the photographer?"
    r"(?<!\bwas )(?<!\bwere )(?<!\bis )(?<!\bare )(?<!\bbeen )\bphotographed\b(?!\s+(?:next|at|in|with|on)\b)",
    # "Who photographed Blinken?" (not "Who was photographed …?": whom the photo shows)
    rf"\b(?:took|take|takes|taken|snapped|shot|captured)\s+(?:\w+\s+){{0,2}}{_PHOTO}\b",  # "Who took the photo?"
    rf"\b{_PHOTO}\b.*\b(?:taken|snapped|shot|captured|credited)\b",  # "Who was the photo taken by?"
    rf"\bwhose\s+(?:\w+\s+){{0,2}}{_PHOTO}\b|\b{_PHOTO}\s+credits?\b|\bcredit(?:ed)?\s+for\b.*\b{_PHOTO}\b",
)
_AUTHORSHIP = re.compile("|".join(_BY), re.IGNORECASE)
_SHOWS = re.compile(
    rf"\b(?:who|what)\b.*\b(?:in|on)\s+(?:the|this|that|a)\s+(?:\w+\s+)?{_PHOTO}\b"  # "Who is in the photo?"
    rf"|\bwhat\s+(?:does|do|did)\s+(?:the|this|that)\s+(?:\w+\s+)?(?:{_PHOTO}|caption)(?:\s+of\s+[^?]{{1,40}}?)?"
    r"\s+(?:show|depict|say)"
    rf"|\bwhat\s+(?:is|was)\s+(?:the|this|that)\s+(?:\w+\s+)?{_PHOTO}\s+(?:of|about)\W*$"  # "What is the photo of?"
    r"|\b(?:who|what)\s+(?:is|are|was|were)\s+(?:shown|pictured|depicted|photographed)\b",  # "Who is pictured?"
    re.IGNORECASE,
)
# the words of a photo question that say nothing about which photo it is
_PHOTO_WORDS = frozenset({
    "photo", "photos", "photograph", "photographs", "photographed", "photographer", "photographers", "picture",
    "pictures", "pic", "pics", "image", "images", "snapshot", "snapshots", "took", "take", "taken", "takes", "shot",
    "snapped", "captured", "credit", "credits", "credited", "agency", "news",
})  # fmt: skip
_SHOW_WORDS = frozenset(
    {"show", "shows", "shown", "depict", "depicts", "depicted", "pictured", "caption", "say"}
)
# a caption's credit: its last bracketed group, agency and photographer split by "/" ("AP Photo/Yousef Masoud")
_CREDIT = re.compile(r"\(([^()\n]{2,80})\)\s*$")
_AGENCY = re.compile(
    r"^(?:(?:the\s+)?associated\s+press|ap|afp|epa|reuters|getty(?:\s+images)?|photo|"
    r"shutterstock|xinhua|anadolu|ansa|dpa|upi|efe|bloomberg|cnn|bbc)(?:\s+(?:photo|images?|pool|file))*$",
    re.IGNORECASE,
)
# a credit's part that names an organisation, not a person: "(Nordic Wire/Ola Berg)", "(Kyodo News)"
_ORGANISATION = re.compile(
    r"\b(?:wire|news|press|photos?|pictures|images|agency|pool|service|media|times|post|herald|tribune|journal|"
    r"gazette|network|tv|radio|group|archives?|museum|library|foundation|ministry|office|department|inc|ltd)\b",
    re.IGNORECASE,
)
_NO_NAME = re.compile(r"^(?:file|handout|pool|courtesy)$", re.IGNORECASE)  # "(AP Photo/File)": no one named
_PREFIX = re.compile(r"^(?:photo(?:graph)?(?:\s+by)?\s*:?\s*|by\s+)", re.IGNORECASE)
_PART = re.compile(r"^[A-Z][\w'’.&-]*(?:\s+[\w'’.&-]+){0,4}$")
_PERSON = re.compile(r"^[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,3}$")


@dataclass(frozen=True)
class Credit:
    """One photo caption of an article: the caption line's offsets and the credited name's (photographer, else
    agency), both spans of the article's text."""

    caption: tuple[int, int]
    name: tuple[int, int]
    shows: tuple[int, int] = (0, 0)  # the caption's words before its credit: what the photo shows


def asks_for_photographer(question: str) -> bool:
    """Whether ``question`` asks who took (shot, is credited with) a photo: "Who took the photo of the tank?",
    "Who photographed Blinken?", "Whose picture is it?", "Which agency took the image?" — not "Who is in the
    photo?" or "What does the picture show?"."""
    return _ASKS.search(question) is not None and _AUTHORSHIP.search(question) is not None


def asks_what_photo_shows(question: str) -> bool:
    """Whether ``question`` asks what (who) a photo shows: "Who is in the photo?", "What does the picture show?",
    "Who is pictured?" — answered by the caption's words before its credit."""
    return _SHOWS.search(question) is not None and not asks_for_photographer(question)


def photo_credits(text: str) -> list[Credit]:
    """The credits of ``text``'s photo captions, in order: each line ending with a bracketed credit that reads as
    one (an agency, a "/" between agency and photographer, or "Photo: …"), and the name it credits."""
    out: list[Credit] = []
    for line in re.finditer(r"[^\n]+", text):
        m = _CREDIT.search(line.group())
        if m is None:
            continue
        inner_start = line.start() + m.start(1)
        parts = [(p.start(), p.group()) for p in re.finditer(r"[^/]+", m.group(1))]
        credited = "/" in m.group(1) or any(
            _AGENCY.match(p.strip()) or _PREFIX.match(p.strip()) for _, p in parts
        )
        # a credit's parts are names: capitalised, a few words each ("(see http://…)", "(and/or more)" are not)
        named = all(_PART.match(_PREFIX.sub("", p.strip())) for _, p in parts)
        if not (credited and named):
            continue  # a bracketed aside is no credit: "(ticker: CSCO)", "(file)", "(in a statement)"
        people, agencies = [], []
        for at, part in parts:
            lead = len(part) - len(part.lstrip())
            bare = part.strip()
            cut = _PREFIX.match(bare)
            if cut is not None:
                lead, bare = lead + cut.end(), bare[cut.end() :]
            span = (inner_start + at + lead, inner_start + at + lead + len(bare))
            if not bare or _NO_NAME.match(bare):
                continue
            person = _PERSON.match(bare) and not (_AGENCY.match(bare) or _ORGANISATION.search(bare))
            (people if person else agencies).append(span)
        name = (people or agencies or [None])[0]
        if name is not None:
            said = line.group()[: m.start()].rstrip()
            out.append(Credit((line.start(), line.end()), name, (line.start(), line.start() + len(said))))
    return out


def credit_answer(question: str, documents: Sequence[Document]) -> Answer | None:
    """The answer to a photographer question (:func:`asks_for_photographer`) from the credits of ``documents``
    (the articles of the retrieved passages, best first): the credited name of the caption sharing the most words
    with the question (the first article's first caption when the question names nothing), cited by its caption;
    for a question asking what the photo shows (:func:`asks_what_photo_shows`), that caption's words before the
    credit. ``None`` for other questions, when no article has a credited caption, or when the question names
    something no caption mentions."""
    shows = asks_what_photo_shows(question)
    if not (shows or asks_for_photographer(question)):
        return None
    asked = {stem(w) for w in content_words(question) if w not in _PHOTO_WORDS | _SHOW_WORDS}
    best: tuple[int, Document, Credit] | None = None
    for doc in documents:
        for credit in photo_credits(doc.text):
            said = {stem(w) for w in content_words(doc.text[credit.caption[0] : credit.caption[1]])}
            shared = len(asked & said)
            if best is None or shared > best[0]:
                best = (shared, doc, credit)
    if best is None or (asked and best[0] == 0):
        return None
    _, doc, credit = best
    span = credit.shows if shows else credit.name
    return quoted_answer(question, doc, span, credit.caption, {"caption" if shows else "credit": True})


def credited_spans(passages: Sequence[Passage]) -> list[tuple[str, int, int]]:
    """The credited names in ``passages`` (``(doc_id, start, end)``, document offsets): no answer but to who took
    the photo (:func:`credit_answer` answers that)."""
    return [(p.chunk.doc_id, p.chunk.start + c.name[0], p.chunk.start + c.name[1])
            for p in passages for c in photo_credits(p.chunk.text)]  # fmt: skip
