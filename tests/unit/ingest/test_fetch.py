"""Fetching URLs safely (issue 21): only public addresses, on every redirect hop, connecting to the address checked.

No test sends a packet anywhere but loopback, even if the guard were broken: non-loopback addresses come from a fake
resolver and are answered by ``httpx.MockTransport``; real connections go to the local test site only.
"""

from __future__ import annotations

import httpx
import pytest

from qa_bot.errors import IngestError
from qa_bot.ingest import fetch_url
from qa_bot.ingest.fetch import check_public
from tests.conftest import ARTICLE_HTML, index_fingerprint

PUBLIC = "93.184.216.34"  # a globally routable address (never contacted: the mock transport answers)


def resolver(table: dict[str, list[str]]):
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return table[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the guard let a request through to {request.url}")


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "fc00::1", "::ffff:10.0.0.1",
     "127.0.0.1", "::1", "::ffff:127.0.0.1", "100.64.0.1", "224.0.0.1", "2002:7f00:1::1"],
)  # fmt: skip
def test_private_addresses_are_refused_before_any_connection(address):
    resolve = resolver({"intranet.example": [address]})
    with pytest.raises(IngestError, match=r"intranet\.example is an? .* address .*; not fetched"):
        fetch_url(
            "http://intranet.example/secret.txt", resolve=resolve, transport=httpx.MockTransport(never_called)
        )


def test_a_name_with_one_private_address_among_public_ones_is_refused():
    resolve = resolver({"mixed.example": [PUBLIC, "10.0.0.7"]})
    with pytest.raises(IngestError, match=r"10\.0\.0\.7"):
        fetch_url("http://mixed.example/", resolve=resolve, transport=httpx.MockTransport(never_called))


def test_the_connection_goes_to_the_address_checked_with_the_name_kept():
    seen = []

    def site(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.headers["host"], request.extensions.get("sni_hostname")))
        return httpx.Response(200, html=ARTICLE_HTML)

    resolve = resolver({"news.example": [PUBLIC]})
    doc = fetch_url("https://news.example/article", resolve=resolve, transport=httpx.MockTransport(site))
    assert doc.title == "Harbour dredger deal"
    assert seen == [(PUBLIC, "news.example", "news.example")]  # pinned: no second lookup to rebind
    assert resolve.calls == ["news.example"]


def test_every_redirect_hop_is_checked():
    def site(request: httpx.Request) -> httpx.Response:
        if request.headers["host"] == "news.example":
            return httpx.Response(302, headers={"location": "http://metadata.example/latest/"})
        raise AssertionError("followed a redirect to a private address")

    resolve = resolver({"news.example": [PUBLIC], "metadata.example": ["169.254.169.254"]})
    with pytest.raises(IngestError, match=r"metadata\.example is a link-local address"):
        fetch_url("http://news.example/", resolve=resolve, transport=httpx.MockTransport(site))
    assert resolve.calls == ["news.example", "metadata.example"]


def test_a_redirect_to_another_scheme_is_refused():
    def site(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"location": "file:///etc/passwd"})

    with pytest.raises(IngestError, match="http"):
        fetch_url("http://news.example/", resolve=resolver({"news.example": [PUBLIC]}),
                  transport=httpx.MockTransport(site))  # fmt: skip


def test_unresolvable_names_are_a_clear_error():
    def fail(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(IngestError, match="could not be resolved"):
        check_public("nowhere.invalid", 80, fail)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "2130706433", "0x7f000001", "[::ffff:127.0.0.1]", "127.1"]
)
def test_loopback_in_every_spelling_is_refused_and_nothing_is_stored(fast_bot, site, host):
    from qa_bot import QABot

    port = site.rsplit(":", 1)[1]
    guarded = QABot(index_dir=fast_bot.settings.index_dir, embedder=fast_bot.embedder, nlp=fast_bot.nlp)
    before = index_fingerprint(guarded)
    with pytest.raises(IngestError, match=r"loopback address .*; not fetched"):
        guarded.ingest_url(f"http://{host}:{port}/article")
    with pytest.raises(IngestError, match="not fetched"):
        guarded.ingest(f"http://{host}:{port}/article")
    assert index_fingerprint(guarded) == before


def test_the_operator_may_allow_private_addresses(fast_bot, site, monkeypatch):
    from qa_bot import QABot

    monkeypatch.setenv("QA_BOT_ALLOW_PRIVATE_URLS", "1")
    allowed = QABot(index_dir=fast_bot.settings.index_dir, embedder=fast_bot.embedder, nlp=fast_bot.nlp)
    assert allowed.settings.allow_private_urls
    assert allowed.ingest_url(site + "/article").added_documents == 1
