"""HTML and Markdown for the web UI: answers as chat messages, the article with its cited spans marked.

Everything that comes from an article or a user is escaped here before the page shows it.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence

from qa_bot.dates import annotate, in_answer, mention_label, show_date
from qa_bot.types import Answer, Citation

_DATE_FROM = {"feed": "from the feed", "argument": "as given at ingest", "html": "from the page's metadata",
              "text": "from the article's dateline"}  # fmt: skip

__all__ = [
    "CSS",
    "SCROLL_JS",
    "SOURCE_NOTES",
    "Span",
    "answer_spans",
    "asked",
    "format_answer",
    "render_article",
]

Span = dict[str, str | int]  # {"doc_id", "start", "end", "kind": "cite" | "answer"}

CSS = """
#qa-article .qa-scroll, #qa-said-panel .qa-scroll { position: relative; max-height: 70vh; overflow-y: auto; padding: 0.75rem 1rem; border-radius: 8px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
#qa-article .qa-text, #qa-said-panel .qa-text { white-space: pre-wrap; line-height: 1.55; }
#qa-article mark, #qa-said-panel mark { background: #ffe066; color: #000; padding: 0 1px; border-radius: 2px; }
#qa-article mark.qa-answer, #qa-said-panel mark.qa-answer { background: #ffb703; font-weight: 600; }
#qa-article .qa-hint, #qa-article .qa-date, #qa-said-panel .qa-hint, #qa-said-panel .qa-date { color: var(--body-text-color-subdued); }
@media (max-width: 700px) { #qa-article .qa-scroll, #qa-said-panel .qa-scroll { max-height: 45vh; } }
"""
SCROLL_JS = """() => { setTimeout(() => {
  const box = document.querySelector('#qa-article .qa-scroll');
  const m = box && box.querySelector('mark');
  if (m) box.scrollTop += m.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
}, 150); }"""


def _inert(text: str) -> str:
    """Text as inert Markdown: HTML escaped, Markdown specials (links, emphasis, code, headings) neutralised."""
    escaped = html.escape(text, quote=False)
    for ch in "\\`*_[]()#|~!":
        escaped = escaped.replace(ch, "\\" + ch)
    return escaped


def _quote(text: str) -> str:
    """Article text as inert, quoted Markdown."""
    return "\n".join("> " + line for line in _inert(text).splitlines())


def _cited(c: Citation) -> str:
    return f"{_quote(c.text)}\n>\n> — *{_inert(c.title)}*, characters {c.start}–{c.end}"


#: what an answer that is not the reader's span is, by its ``meta`` key (the chat and the CLI say so)
SOURCE_NOTES = {
    "credit": "the photo's credit, in its caption",
    "caption": "the photo's caption",
    "byline": "the article's byline",
    "dateline": "the article's dateline, when it was published",
    "subject": "the person the article names most",
}


def asked(question: str) -> str:
    """The line that opens the answer to one of the questions a message asked at once (before its answer)."""
    return f"*Asked:* {_inert(question)}\n\n"


def format_answer(answer: Answer) -> str:
    """The chat message for one answer: the short answer, then each cited passage with its offsets."""
    if answer.smalltalk:
        return _inert(answer.text)
    parts: list[str] = []
    if answer.rewritten_question:
        parts.append(f"*Understood as:* {_quote(answer.rewritten_question)[2:]}")
    if answer.abstained:
        parts.append(f"🤷 *{answer.text}*")
        if answer.related:
            parts.append("Nearest passages:")
    elif not answer.verified:
        parts.append(f"⚠️ *Unverified — no passage of the article supports this:* {_inert(answer.text)}")
    elif answer.kind in {"yes", "no"}:  # the yes / no, then the article's words that say so
        quote = _inert(annotate(answer.quote, answer.answer_start or 0, in_answer(answer)))
        parts.append(f"**{_inert(answer.text)}** — “{quote}”")
    else:
        if answer.meta.get("withheld"):  # a yes / no question whose yes / no was too unsure to give
            parts.append("*No clear yes or no; the article says:*")
        # "Who took the photo?", "Who wrote it?", "When was it published?": what kind of words answer
        for key, note in SOURCE_NOTES.items():
            if answer.meta.get(key):
                parts.append(f"*{note[0].upper()}{note[1:]}:*")
        if answer.meta.get("lead"):  # "What is this article about?": the sentence is its own citation, once
            parts.append("*What the article is about, in its first sentence:*")
        else:
            parts.append(f"**{_inert(annotate(answer.text, answer.answer_start or 0, in_answer(answer)))}**")
    # a lead answer is not shown annotated (its sentence is the citation): all its dates are listed
    others = [m for m in answer.dates if answer.meta.get("lead") or m not in in_answer(answer)]
    if others:
        parts.append("*Dates in the passage:* " + "; ".join(_inert(mention_label(m)) for m in others))
    if answer.meta.get("llm_note"):
        parts.append(f"*{_inert(answer.meta['llm_note'])}*")
    parts.extend(_cited(c) for c in (answer.related if answer.abstained else answer.citations))
    return "\n\n".join(parts)


def answer_spans(answer: Answer) -> list[Span]:
    """What the article panel highlights for one answer (citations; for an abstention, nearest passages)."""
    cites = answer.related if answer.abstained else answer.citations
    out: list[Span] = [{"doc_id": c.doc_id, "start": c.start, "end": c.end, "kind": "cite"} for c in cites]
    if (
        not answer.abstained
        and answer.answer_start is not None
        and answer.answer_end is not None
        and answer.doc_id
    ):
        out.append({"doc_id": answer.doc_id, "start": answer.answer_start, "end": answer.answer_end,
                    "kind": "answer"})  # fmt: skip
    return out


def render_article(
    title: str,
    text: str,
    spans: Sequence[tuple[int, int, str]] = (),
    published: str = "",
    published_source: str = "",
) -> str:
    """The article as escaped HTML, ``spans`` (start, end, "cite"|"answer") wrapped in ``<mark>``; under the title,
    its publication date and where that came from, when known."""
    marks = sorted((max(0, s), min(len(text), e), k) for s, e, k in spans if 0 <= s < e)
    bounds = sorted({0, len(text), *(s for s, _, _ in marks), *(e for _, e, _ in marks)})
    pieces: list[str] = []
    for a, b in itertools.pairwise(bounds):
        kinds = {k for s, e, k in marks if s <= a and b <= e}
        chunk = html.escape(text[a:b])
        if "answer" in kinds:
            chunk = f'<mark class="qa-answer">{chunk}</mark>'
        elif "cite" in kinds:
            chunk = f'<mark class="qa-cite">{chunk}</mark>'
        pieces.append(chunk)
    dated = (
        f"<p class='qa-date'>Published {html.escape(show_date(published, 'day'))}"
        f" ({html.escape(_DATE_FROM.get(published_source, published_source))})</p>"
        if published
        else ""
    )
    return f"<div class='qa-scroll'><h3>{html.escape(title)}</h3>{dated}<div class='qa-text'>{''.join(pieces)}</div></div>"
