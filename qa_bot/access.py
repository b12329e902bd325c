"""Who may change a served index, and how often one client may ask: what a demo on the internet needs.

- :class:`IngestPolicy` — adding or removing articles in the shared index. Served on a loopback address (the
  ``make run`` default) the local user may, as always. Served on any other address, it needs the operator: an ingest
  token set at start (``--ingest-token`` / ``QA_BOT_INGEST_TOKEN``; visitors must give it, compared in constant time)
  or an explicit ``--open-ingest``; otherwise it is refused, and the page says so. A visitor can never make what
  they paste or fetch part of the answers other visitors get.
- :class:`RateLimits` — per client address, a moving-window limit on questions and on ingest (``limits``, the
  library behind ``slowapi``), e.g. ``60/minute``; an empty limit is none.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Literal

from qa_bot.errors import AccessDenied, InvalidInput

__all__ = ["IngestPolicy", "RateLimits", "is_loopback_host"]

Mode = Literal["open", "token", "closed"]


def is_loopback_host(host: str | None) -> bool:
    """Whether a server bound to ``host`` is reachable from this machine only (``127.0.0.1``, ``::1``,
    ``localhost``); ``None`` (an app mounted elsewhere, bind unknown) is not."""
    if not host:
        return False
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class IngestPolicy:
    """``open``: anyone may add and remove articles; ``token``: only with the operator's token; ``closed``: no one
    through the web surfaces."""

    mode: Mode = "open"
    token: str = field(default="", repr=False)

    @classmethod
    def for_server(cls, host: str | None, token: str = "", open_ingest: bool = False) -> IngestPolicy:
        """The policy of a server bound to ``host``: a token when one is set; else open on loopback or when the
        operator said ``open_ingest``; else closed."""
        if token:
            return cls("token", token)
        return cls("open") if open_ingest or is_loopback_host(host) else cls("closed")

    def check(self, given: str | None = None) -> None:
        """Nothing when a change is allowed with the ``given`` token; else an :class:`AccessDenied` saying why."""
        if self.mode == "open":
            return
        if self.mode == "closed":
            raise AccessDenied(
                "Adding or removing articles is turned off on this server (its operator can allow it with an "
                "ingest token or --open-ingest)."
            )
        if not given or not hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
            raise AccessDenied(
                "Adding or removing articles on this server needs the operator's ingest token."
            )

    def describe(self) -> str:
        """One line for the page: what a visitor can do here."""
        return {
            "open": "Articles you add here are added to the index everyone on this server asks.",
            "token": "Adding or removing articles needs the operator's ingest token; without it, nothing is added.",
            "closed": "Adding or removing articles is turned off on this server: you can ask about the articles "
            "listed below.",
        }[self.mode]


class RateLimits:
    """Per-client moving-window limits (``"60/minute"``; ``""`` = none) on ``ask`` and ``ingest``."""

    def __init__(self, ask: str = "", ingest: str = "") -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        try:
            self._limits = {name: parse(value) for name, value in (("ask", ask), ("ingest", ingest)) if value}
        except ValueError:
            raise InvalidInput(
                f"A rate limit looks like '60/minute' or '5/second'; got {ask!r} / {ingest!r}."
            ) from None
        self._limiter: Any = MovingWindowRateLimiter(MemoryStorage())

    def check(self, action: Literal["ask", "ingest"], client: str) -> None:
        """Count one ``action`` of ``client``; an :class:`AccessDenied` when it is over its limit."""
        limit = self._limits.get(action)
        if limit is not None and not self._limiter.hit(limit, action, client):
            what = "questions" if action == "ask" else "articles added"
            raise AccessDenied(
                f"Too many {what} from your address ({limit}); please wait a little and try again."
            )
