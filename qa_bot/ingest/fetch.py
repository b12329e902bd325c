"""Fetching a web page without letting the server be used against its own network (SSRF).

Following the OWASP SSRF Prevention Cheat Sheet: only ``http`` and ``https``; the host is resolved once and every
address it resolves to must be globally routable (not loopback, private, link-local, shared, multicast, reserved
or unspecified — an IPv4 address inside an IPv6 one is checked as itself); the connection then goes to the address
that was checked (the URL's host is swapped for it, the ``Host`` header and the TLS server name keep the name), so
no second lookup — DNS rebinding — can send it elsewhere. Redirects are followed by hand, each hop checked the same
way. Numeric host forms (``2130706433``, ``0x7f000001``, ``127.1``) resolve to what they mean and are refused like
the dotted form. An operator may allow private addresses (``allow_private``: ``QA_BOT_ALLOW_PRIVATE_URLS=1`` /
``--allow-private-urls``) for an intranet deployment; the scheme check and the size and time limits stay.

Built on the standard :mod:`ipaddress` and :mod:`socket` modules and httpx: the library Gradio uses for this
(``safehttpx``) asks a public DNS-over-HTTPS service when the system resolver finds no public address, skips its
checks when a proxy is configured, and does not check redirect hops.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

from qa_bot.errors import IngestError

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_REDIRECTS", "Resolver", "check_public", "fetch_bytes", "system_resolver"]

MAX_REDIRECTS = 5
USER_AGENT = "qa-bot/0.1 (+article fetch)"
Resolver = Callable[[str, int], list[str]]  # host, port -> the addresses it resolves to


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for ``host`` (every one, IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _why_not_public(address: str) -> str | None:
    """Why ``address`` must not be fetched from ("a private address", ...), ``None`` when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = (
            ip.ipv4_mapped
            or (ip.sixtofour if ip.sixtofour else None)
            or (ip.teredo[1] if ip.teredo else None)
        )
        if inner is not None:
            return _why_not_public(str(inner))
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if not ip.is_global:  # private, shared (100.64/10), reserved, documentation, benchmarking ranges
        return "a private address"
    return None


def check_public(host: str, port: int, resolve: Resolver = system_resolver) -> str:
    """The address to connect to for ``host``: every address it resolves to must be public, else an
    :class:`IngestError` naming the host and the kind of address; the first address is returned."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise IngestError(f"{host} could not be resolved; nothing was ingested.") from None
    if not addresses:
        raise IngestError(f"{host} could not be resolved; nothing was ingested.")
    for address in addresses:
        why = _why_not_public(address)
        if why is not None:
            raise IngestError(f"{host} is {why} ({address}); not fetched.")
    return addresses[0]


def _checked_url(url: str) -> httpx.URL:
    import httpx

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise IngestError(f"{url} is not a web address that can be fetched.") from None
    if parsed.scheme not in {"http", "https"} or not parsed.host:
        raise IngestError("Give a web address starting with http:// or https://.")
    return parsed


def fetch_bytes(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    allow_private: bool = False,
    resolve: Resolver = system_resolver,
    transport: httpx.BaseTransport | None = None,
) -> tuple[bytes, str, str | None]:
    """GET ``url`` (see the module docstring): the body (at most ``max_bytes``), its content type and encoding.
    ``resolve`` and ``transport`` are for tests (a fake resolver, ``httpx.MockTransport``)."""
    import httpx

    target = _checked_url(url)
    with httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
    ) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            port = target.port or (443 if target.scheme == "https" else 80)
            address = (
                resolve(target.host, port)[0] if allow_private else check_public(target.host, port, resolve)
            )
            host_header = target.host if target.port is None else f"{target.host}:{target.port}"
            request = client.build_request(
                "GET", target.copy_with(host=address), headers={"User-Agent": USER_AGENT, "Host": host_header},
                extensions={"sni_hostname": target.host},
            )  # fmt: skip
            response = client.send(request, stream=True)
            try:
                if response.is_redirect:
                    target = _checked_url(str(target.join(response.headers.get("location", ""))))
                    continue
                if response.status_code >= 400:
                    raise IngestError(f"{url} answered HTTP {response.status_code}; nothing was ingested.")
                body = b""
                for part in response.iter_bytes():
                    body += part
                    if len(body) > max_bytes:
                        raise IngestError(f"{url} is over the {max_bytes:,}-byte limit.")
                return body, response.headers.get("content-type", ""), response.encoding
            finally:
                response.close()
        raise IngestError(f"{url} redirects too many times.")
