"""Questions about the whole article — "What is this article about?", "Summarize the story", "What's the gist?" —
answered with the article's lead: its first sentence that states the story.

The reader cannot answer them (no span of one window says what the whole article is about: it abstained on the
seed's "What is this article about?"), and a news article states its story first (the inverted pyramid; the first
sentence, Lead-1, is the baseline of news summarisation that few methods beat). What comes before the story is
passed over: a line shorter than ``MIN_WORDS`` words (a date, a byline), a photo caption (a line that ends with its
credit in brackets, "… (AP Photo/Yousef Masoud)": :func:`qa_bot.text.is_photo_caption`, as the title guess at
ingest reads it), and a dateline's "BAGHDAD, Iraq (CNN) -- " before the first words. (Measured and not kept:
choosing among the first six sentences the one whose words the article repeats most, SumBasic's centrality, passed
over the first sentence in 7 of 8 CNN stories for a quote, an in-text photo caption or a later detail.) The answer
is that sentence, cited at its offsets, so it is the article's own words like every other answer. A question is a
gist question only by its form — the article (story, piece, report) asked about as a whole, or a summary asked for
— never by the article's words: "What is the report about Iran's role?" names something and is read as usual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa_bot.answering.attribution import quoted_answer
from qa_bot.text import is_photo_caption
from qa_bot.types import Answer, Document

__all__ = ["DATELINE", "MIN_WORDS", "asks_for_gist", "gist_answer", "lead_sentence"]

MIN_WORDS = 8  # shorter lines (a date, a byline, "Photo: AP") do not state the story

#: "BAGHDAD, Iraq (CNN) -- ", "(EW.com ) -- ": a place and an agency (``source``) before the story's first words
#: (a word holds no comma: "Word,X, Word,X, …" would otherwise split two ways a word, exponentially)
DATELINE = re.compile(r"(?:[A-Z][^\s(),]*[\s,]+)*\((?P<source>[^()\n]{1,30})\)\s*(?:--|—|–)\s*")
_OPEN = r"^\W*(?:(?:so|and|ok|okay|well|hi|hello|please|now)\W+)*"
_THE_ARTICLE = r"(?:this|the|that|your)\s+(?:news\s+)?(?:article|story|piece|report|text|post|item|news)"
_ASK = r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+|i\s+(?:want|need|would\s+like)\s+)?"
_GIST_FORMS = (
    # what is this article about? / what's the story about? / what was that piece all about?
    rf"what(?:'s|’s|\s+is|\s+was)\s+{_THE_ARTICLE}\s+(?:all\s+|mainly\s+|mostly\s+)?about\W*$",
    # what does the article say / tell / cover / describe? (nothing named after it)
    rf"what\s+(?:does|did)\s+{_THE_ARTICLE}\s+(?:say|tell\s+(?:me|us)|cover|describe|report|discuss)\W*$",
    # summarize (it / the article) / sum it up / give me a summary / tl;dr
    rf"{_ASK}(?:summari[sz]e|sum\s+up|recap)(?:\s+(?:it|this|that|{_THE_ARTICLE}))?(?:\s+up)?(?:\s+for\s+me)?\W*$",
    rf"{_ASK}(?:give|tell)\s+me\s+(?:a|the)\s+(?:short\s+|quick\s+|brief\s+)?"
    rf"(?:summary|gist|rundown|overview|tl;?dr)(?:\s+of\s+(?:it|this|{_THE_ARTICLE}))?\W*$",
    r"tl;?\s?dr\W*$",
    # what is the gist / main point / summary (of the article)?
    r"what(?:'s|’s|\s+is|\s+are)\s+the\s+(?:gist|summary|main\s+(?:point|idea|story|topic|news)s?|key\s+points?|"
    rf"headline)(?:\s+of\s+(?:it|this|{_THE_ARTICLE}))?\W*$",
)
_GIST = re.compile(_OPEN + "(?:" + "|".join(_GIST_FORMS) + ")", re.IGNORECASE)
# "What is this about?" / "What's it about?" / "What happened?" ask about the article only to open a conversation:
# after earlier turns they ask about what was just said ("The book?" "What is it about?")
_OPENING = re.compile(
    _OPEN
    + r"(?:what(?:'s|’s|\s+is|\s+was)\s+(?:this|it)\s+(?:all\s+)?about|what\s+happened|what's\s+the\s+news)\W*$",
    re.IGNORECASE,
)


def asks_for_gist(question: str, follow_up: bool = False) -> bool:
    """Whether ``question`` asks what the whole article is about (see the module docstring); ``follow_up``: it
    comes after earlier turns of a conversation, where "What is it about?" or "What happened?" ask about what was
    just said."""
    return _GIST.search(question) is not None or (not follow_up and _OPENING.search(question) is not None)


def lead_sentence(
    text: str, sentences: Sequence[tuple[int, int]], min_words: int = MIN_WORDS
) -> tuple[int, int] | None:
    """The article's lead: the first of ``sentences`` (``(start, end)`` spans of ``text``, in order) with at least
    ``min_words`` words that is not on a photo caption's line, without a dateline before its first words; ``None``
    when there is none."""
    for start, end in sentences:
        line_end = text.find("\n", start)
        line = text[text.rfind("\n", 0, start) + 1 : len(text) if line_end < 0 else line_end]
        if is_photo_caption(line) or len(text[start:end].split()) < min_words:
            continue
        dateline = DATELINE.match(text, start, end)
        return (dateline.end() if dateline else start), end
    return None


def gist_answer(question: str, document: Document, span: tuple[int, int]) -> Answer:
    """The answer to a gist question: the lead sentence ``span`` of ``document``, quoted and cited at its offsets
    (``meta["lead"]``; not scored by the reader: confidence 1)."""
    return quoted_answer(question, document, span, span, {"lead": True})
