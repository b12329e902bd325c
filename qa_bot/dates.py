"""The one date parser of the package: calendar dates given as ISO 8601 text.

Articles carry their publication date as ``YYYY-MM-DD``; the article filters accept ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD`` and compare whole days (stored as the integer ``YYYYMMDD``).
"""

from __future__ import annotations

import calendar
import datetime as dt

from qa_bot.errors import InvalidInput

__all__ = ["day_number", "iso_date"]


def iso_date(value: object) -> str:
    """``YYYY-MM-DD`` from an ISO 8601 date or timestamp (``2024-03-05``, ``2024-03-05T10:00:00Z``), else ``""``."""
    if not isinstance(value, str) or len(value.strip()) < 10:
        return ""
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return ""


def day_number(value: str, *, first: bool) -> int:
    """``YYYY[-MM[-DD]]`` as an int ``YYYYMMDD``: the first (or last) day of a year or month given alone.
    Anything else is an :class:`InvalidInput` that says what to write."""
    text = str(value).strip()[:10]
    try:
        parts = [int(p) for p in text.split("-")]
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
        raise InvalidInput(f"{value!r} is not a date: use YYYY-MM-DD (or YYYY-MM, YYYY).") from None
    return day.year * 10000 + day.month * 100 + day.day
