"""The one date parser of the package: calendar dates given as ISO 8601 text.

Articles carry their publication date as ``YYYY-MM-DD``; the article filters accept ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD`` and compare whole days (stored as the integer ``YYYYMMDD``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from qa_bot.errors import InvalidInput
from qa_bot.types import Answer, DateMention

__all__ = [
    "DateMention",
    "annotate",
    "answer_dates",
    "could_name_a_date",
    "dateline",
    "dateline_date",
    "day_number",
    "days_named",
    "find_dates",
    "given_date",
    "in_answer",
    "iso_date",
    "mention_label",
    "resolve_date",
    "show_date",
]


def iso_date(value: object) -> str:
    """``YYYY-MM-DD`` from an ISO 8601 date or timestamp (``2024-03-05``, ``2024-03-05T10:00:00Z``), else ``""``."""
    if not isinstance(value, str) or len(value.strip()) < 10:
        return ""
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return ""


def given_date(value: str | None) -> str:
    """A publication date given explicitly (``--date``, ``date=``): ``YYYY-MM-DD`` (``""`` for none); anything
    else is an :class:`InvalidInput`, not silently dropped."""
    text = str(value or "").strip()
    if not text:
        return ""
    day = iso_date(text)
    if not day:
        raise InvalidInput(f"{value!r} is not a date: give the publication date as YYYY-MM-DD.")
    return day


def day_number(value: str, *, first: bool, today: dt.date | None = None) -> int:
    """A date as an int ``YYYYMMDD``: ``YYYY[-MM[-DD]]`` (the first, or last, day of a year or month given
    alone), or an expression relative to ``today`` ("last week", "yesterday", "March 2024": the first, or
    last, day of the period it names). Anything else is an :class:`InvalidInput` that says what to write."""
    text = str(value).strip()
    try:
        parts = [int(p) for p in text[:10].split("-")]
        if len(parts) == 1:
            y, m, d = parts[0], (1 if first else 12), (1 if first else 31)
        elif len(parts) == 2:
            y, m = parts
            d = 1 if first else calendar.monthrange(y, m)[1]
        elif len(parts) == 3:
            y, m, d = parts
        else:
            raise ValueError(text)
        day = dt.date(y, m, d)
    except (ValueError, TypeError):
        resolved = resolve_date(text, today or dt.date.today()) if text else None
        if resolved is None:
            raise InvalidInput(
                f"{value!r} is not a date: use YYYY-MM-DD (or YYYY-MM, YYYY), or words like 'last week'."
            ) from None
        day = dt.date.fromisoformat(resolved[0])
        if not first:
            day = _period_end(day, resolved[1])
    return day.year * 10000 + day.month * 100 + day.day


def _period_end(day: dt.date, precision: str) -> dt.date:
    if precision == "week":
        return day + dt.timedelta(days=6)
    if precision == "month":
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if precision == "year":
        return day.replace(month=12, day=31)
    return day


# -- dates in article text ---------------------------------------------------------------------------------
# Candidate expressions are found by pattern; dateparser resolves each one against the article's publication date.
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)")  # fmt: skip
_NUM = r"(?i:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_REL = r"(?i:last|next|this)"
_PATTERNS: tuple[tuple[str, str], ...] = (
    # (kind, pattern): the kind decides the precision; the longest match at a place wins; a group ``d`` is the
    # expression itself when the pattern needs words around it
    ("day", rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"),
    ("day", rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?\b"),
    ("day", r"\b\d{4}-\d{2}-\d{2}\b"),
    ("day", rf"\b(?P<d>(?:{_REL}\s+)?{_WEEKDAY})\b"),
    ("day", r"\b(?i:yesterday|today|tomorrow|tonight)\b"),
    ("day", rf"\b{_NUM}\s+days?\s+ago\b"),
    ("week", rf"\b(?:(?i:earlier|later)\s+)?{_REL}\s+week\b|\b{_NUM}\s+weeks?\s+ago\b"),
    ("month", rf"\b(?:(?i:earlier|later)\s+)?{_REL}\s+month\b|\b{_NUM}\s+months?\s+ago\b"),
    ("month", rf"\b{_MONTH}\s+\d{{4}}\b"),
    ("month", rf"\b(?:in|In|since|Since|until|by|By|during|During|early|Early|late|Late|mid|Mid)[\s-](?P<d>{_MONTH})(?!\s+\d)\b"),
    ("year", rf"\b{_REL}\s+year\b|\b{_NUM}\s+years?\s+ago\b"),
)  # fmt: skip


def mention_label(mention: DateMention) -> str:
    """``Tuesday (Tue 24 Oct 2023)``: the words of a date mention, then the date they name."""
    return f"{mention.text} ({show_date(mention.date, mention.precision)})"


def show_date(iso: str, precision: str) -> str:
    """A resolved date as people read it: ``Tue 24 Oct 2023``, ``week of 23 Oct 2023``, ``Oct 2023``, ``2023``."""
    d = dt.date.fromisoformat(iso)
    if precision == "day":
        return f"{d:%a} {d.day} {d:%b %Y}"
    if precision == "week":
        return f"week of {d.day} {d:%b %Y}"
    if precision == "month":
        return f"{d:%b %Y}"
    return f"{d.year}"


_FUTURE = re.compile(
    r"(?i)\b(?:will|shall|'ll|going to|expected|scheduled|due to|plans? to|aims? to|upcoming)\b"
)


@functools.lru_cache(maxsize=64)  # one parser per publication date: building one costs more than parsing
def _parser(base: dt.date | None, prefer: str = "past") -> Any:
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"PREFER_DATES_FROM": prefer, "RETURN_AS_TIMEZONE_AWARE": False,
                                "REQUIRE_PARTS": [] if base is not None else ["month", "year"]}  # fmt: skip
    if base is not None:
        settings["RELATIVE_BASE"] = dt.datetime(base.year, base.month, base.day, 12)
    return DateDataParser(languages=["en"], settings=settings)


def resolve_date(
    expression: str, published: str | dt.date | None, precision: str = "day", *, future: bool = False
) -> tuple[str, str] | None:
    """``(iso date, precision)`` of one date expression, relative to the publication date (``None``: only a
    fully written date resolves), or ``None`` when it cannot be resolved. Never a guess: what dateparser cannot
    read gets no date. A bare weekday or month is the last one before the article (news reports what happened),
    the next one after it when ``future`` (its sentence says "will", "is expected to", ...)."""
    base = dt.date.fromisoformat(published) if isinstance(published, str) and published else published or None
    words = expression.strip()
    if base is None and not re.search(r"\b\d{4}\b", words):
        return None  # relative to an unknown date: no date at all
    for lead in ("earlier ", "later "):
        if words.lower().startswith(lead):
            words = words[len(lead) :]
    if base is not None and words.lower() in _WEEKDAYS and _WEEKDAYS.index(words.lower()) == base.weekday():
        found: dt.date | None = base  # a weekday named on that very day: the day of publication
    else:
        data = _parser(base, "future" if future else "past").get_date_data(words)
        found = data.date_obj.date() if data and data.date_obj else None
        if found is not None and data.period in {"week", "month", "year"} and precision == "day":
            precision = data.period
    if found is None:
        return None
    if precision == "week":
        found -= dt.timedelta(days=found.weekday())
    elif precision == "month":
        found = found.replace(day=1)
    elif precision == "year":
        found = found.replace(month=1, day=1)
    return found.isoformat(), precision


def find_dates(text: str, published: str | None, offset: int = 0) -> list[DateMention]:
    """Every resolvable date expression of ``text`` (offsets + ``offset``, into the stored document), in order."""

    spans: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for m in re.finditer(pattern, text):
            a, b = m.span("d") if "d" in m.re.groupindex else m.span()  # "in March": the month alone
            spans.append((a, b, kind))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[DateMention] = []
    last_end = -1
    for start, end, kind in spans:
        if start < last_end:
            continue  # inside a longer expression already taken
        sentence = re.split(r"[.!?]\s", text[max(0, start - 120) : start])[-1]
        resolved = resolve_date(text[start:end], published, kind, future=bool(_FUTURE.search(sentence)))
        if resolved is not None:
            out.append(DateMention(text[start:end], offset + start, offset + end, *resolved))
            last_end = end
    return out


_LABEL = re.compile(r"(?i)^(?:first\s+)?(?:published|updated|last\s+updated|posted)(?:\s+on)?\s*:?\s*")
_TIME = re.compile(r"(?i)\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?(?=\W|$)")


def dateline(text: str, lines: int = 6) -> tuple[str, int, int] | None:
    """The publication date written in an article's first lines, and the span of its line: a line (or a
    ``|``/``·``-separated part of one) that says nothing but a full date ("Apr 22, 2023", "By Jane Doe |
    Published: 22 April 2023 10:15 BST"). A date inside a sentence or a photo caption ("..., October 7, 2023.
    (AP Photo/...)") is an event, not the publication date, and is not taken."""
    seen, offset = 0, 0
    for raw in text.split("\n"):
        start, offset = offset, offset + len(raw) + 1
        if not raw.strip():
            continue
        seen += 1
        if seen > lines:
            break
        for part in re.split(r"[|·•—–]", raw):
            bare = _TIME.sub(" ", _LABEL.sub("", part.strip())).strip(" ,")
            if not bare or len(bare) > 40:
                continue
            for mention in find_dates(bare, None):
                if (
                    mention.precision == "day"
                    and mention.start == 0
                    and mention.end >= len(bare.rstrip(" ,."))
                ):
                    return mention.date, start, start + len(raw)
    return None


def dateline_date(text: str, lines: int = 6) -> str:
    """The date of :func:`dateline`, else ``""``."""
    found = dateline(text, lines)
    return found[0] if found else ""


def annotate(text: str, start: int, mentions: Sequence[DateMention]) -> str:
    """``text`` (which starts at document offset ``start``) with each date expression inside it followed by the
    date it names: "on Tuesday" -> "on Tuesday (Tue 24 Oct 2023)"."""
    out, pos = [], 0
    for m in sorted(mentions, key=lambda m: m.start):
        a, b = m.start - start, m.end - start
        if a < pos or b > len(text):
            continue
        out.append(text[pos:b] + f" ({show_date(m.date, m.precision)})")
        pos = b
    return "".join(out) + text[pos:]


def days_named(text: str, published: str | None) -> list[int]:
    """The days (``YYYYMMDD``) that ``text`` names to the day ("on Tuesday", "Oct. 24"), for matching a question
    that names a date against the sentences that say it."""
    return sorted({int(m.date.replace("-", "")) for m in find_dates(text, published) if m.precision == "day"})


def could_name_a_date(text: str) -> bool:
    """Whether ``text`` holds anything shaped like a date expression (a cheap test before parsing)."""
    return any(re.search(pattern, text) for _, pattern in _PATTERNS)


def in_answer(answer: Answer) -> list[DateMention]:
    """The answer's dates that lie inside its own span (the rest are elsewhere in the cited passage)."""
    if answer.answer_start is None or answer.answer_end is None:
        return []
    return [m for m in answer.dates if answer.answer_start <= m.start and m.end <= answer.answer_end]


def answer_dates(answer: Answer, published: Callable[[str], str]) -> tuple[DateMention, ...]:
    """The date expressions of an answer's cited passages ("on Tuesday" -> 2023-10-24), each resolved against the
    publication date of its article (``published(doc_id)``; a missing article has none), offsets into it."""
    found: list[DateMention] = []
    dates: dict[str, str] = {}
    for c in answer.citations:
        if c.doc_id not in dates:
            try:
                dates[c.doc_id] = published(c.doc_id)
            except KeyError:
                dates[c.doc_id] = ""
        for m in find_dates(c.text, dates[c.doc_id] or None, offset=c.start):
            if m not in found:
                found.append(m)
    return tuple(found)
