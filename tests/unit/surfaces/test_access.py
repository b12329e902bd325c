"""A demo that can face the internet (issue 21): who may change the shared index, rate limits, and the served page
with two visitors — one of them trying the server's own network."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qa_bot.access import IngestPolicy, RateLimits, is_loopback_host
from qa_bot.errors import AccessDenied, InvalidInput
from tests.conftest import SEED, serving


@pytest.mark.parametrize(
    ("host", "token", "open_ingest", "mode"),
    [
        ("127.0.0.1", "", False, "open"),  # `make run`: the local user adds articles as always
        ("localhost", "", False, "open"),
        ("::1", "", False, "open"),
        ("0.0.0.0", "", False, "closed"),
        ("192.168.1.20", "", False, "closed"),
        (None, "", False, "closed"),  # mounted in someone's app: the bind is unknown
        ("0.0.0.0", "s3cret", False, "token"),
        ("127.0.0.1", "s3cret", False, "token"),  # a token set is always asked for
        ("0.0.0.0", "", True, "open"),
    ],
)
def test_the_policy_follows_where_the_server_listens(host, token, open_ingest, mode):
    assert IngestPolicy.for_server(host, token, open_ingest).mode == mode


def test_loopback_hosts():
    assert is_loopback_host("127.0.0.5") and is_loopback_host("[::1]") and is_loopback_host("LOCALHOST")
    assert not any(is_loopback_host(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.com", "", None))


def test_token_and_closed_policies_refuse_with_a_reason():
    IngestPolicy("open").check(None)
    policy = IngestPolicy.for_server("0.0.0.0", "s3cret")
    policy.check("s3cret")
    for wrong in (None, "", "s3cre", "s3cret ", "S3CRET"):
        with pytest.raises(AccessDenied, match="ingest token"):
            policy.check(wrong)
    with pytest.raises(AccessDenied, match="turned off"):
        IngestPolicy.for_server("0.0.0.0").check("anything")
    assert "s3cret" not in repr(policy)  # the token is never shown


def test_rate_limits_count_per_client_and_action():
    limits = RateLimits(ask="3/minute", ingest="1/minute")
    for _ in range(3):
        limits.check("ask", "10.1.1.1")
    with pytest.raises(AccessDenied, match=r"Too many questions .*3 per 1 minute"):
        limits.check("ask", "10.1.1.1")
    limits.check("ask", "10.1.1.2")  # another visitor has their own window
    limits.check("ingest", "10.1.1.1")
    with pytest.raises(AccessDenied, match="Too many articles added"):
        limits.check("ingest", "10.1.1.1")
    unlimited = RateLimits()
    for _ in range(100):
        unlimited.check("ask", "x")


def test_bad_rate_limit_settings_are_clear():
    from qa_bot.config import Settings

    with pytest.raises(InvalidInput, match="rate_limit_ask"):
        Settings(rate_limit_ask="lots")


@pytest.fixture(scope="module")
def public_server(tmp_path_factory):
    """A real `qa-bot serve` bound to 0.0.0.0 (not loopback) with an ingest token; reached over loopback only."""
    index = tmp_path_factory.mktemp("public-index")
    subprocess.run(
        [sys.executable, "-m", "qa_bot", "ingest", str(SEED), "--index", str(index), "-q"], check=True
    )
    with serving(
        index, "--host", "0.0.0.0", QA_BOT_INGEST_TOKEN="s3cret", QA_BOT_RATE_LIMIT_ASK="40/minute"
    ) as url:
        yield url


LAKE = "Lake report\n\nThe lake warden, Mira Holm, counted 412 swans on the lake this winter."


@pytest.mark.slow
@pytest.mark.integration
def test_two_visitors_of_a_public_server(public_server):
    from gradio_client import Client

    mallory, alice = Client(public_server, verbose=False), Client(public_server, verbose=False)
    # the server's own network is not fetched for a visitor (and the token does not change that)
    ssrf = mallory.predict("", "", public_server + "healthz", "s3cret", api_name="/ingest")
    assert "loopback address" in ssrf["error"] and "not fetched" in ssrf["error"]
    # without the token, what one visitor pastes is refused, so the other is never answered from it
    refused = mallory.predict(LAKE, "Lake report", "", "", api_name="/ingest")
    assert "ingest token" in refused["error"]
    assert alice.predict("How many swans did the warden count?", api_name="/ask")["abstained"] is True
    # with the operator's token it is added for everyone
    added = mallory.predict(LAKE, "Lake report", "", "s3cret", api_name="/ingest")
    assert added["added_documents"] == 1
    answer = alice.predict("How many swans did the warden count?", api_name="/ask")
    assert answer["text"] == "412" and answer["citations"][0]["title"] == "Lake report"


@pytest.mark.slow
@pytest.mark.integration
def test_a_visitor_over_the_question_limit_is_told_so(public_server):
    from gradio_client import Client

    visitor = Client(public_server, verbose=False)
    replies = [visitor.predict("Who denied the allegations?", api_name="/ask") for _ in range(45)]
    told = [r for r in replies if "error" in r]
    assert told and "Too many questions" in told[0]["error"]
    assert replies[0]["text"] == "Amir Saeid Iravani"
