"""Shared pieces of the reliability suite (the local web site and the fast bot live in tests/conftest.py)."""

from __future__ import annotations

# (path on the test site, what the message says)
BAD_URLS = [("/slow", "did not answer within"), ("/loop", "redirects too many times"),
            ("/missing", "HTTP 404"), ("/boom", "HTTP 500")]  # fmt: skip
