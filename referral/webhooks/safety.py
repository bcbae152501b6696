"""Where a webhook may go: no loopback, private, link-local or metadata address (SSRF),
unless WEBHOOKS_ALLOW_PRIVATE_URLS. Checked when an endpoint is added, and again before
each send, because DNS can change; the send then connects to the addresses checked, so
a second lookup (DNS rebinding) cannot point it elsewhere."""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 forms that carry an IPv4 address in their last 32 bits: IPv4-mapped, IPv4-translated
# (RFC 2765), IPv4-compatible (deprecated), NAT64's well-known prefix (RFC 6052). A NAT64
# or a dual stack would take them to that IPv4 address, so they are judged as it.
_LAST_32_BITS = [
    ipaddress.IPv6Network(network)
    for network in ("::ffff:0:0/96", "::ffff:0:0:0/96", "::/96", "64:ff9b::/96")
]
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: an operator's own NAT64


class UnsafeURL(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    """Where a send goes: the URL's host name (for the Host header and TLS) and the
    addresses it resolved to when checked (to connect to)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check(url: str, *, resolve: Callable[..., list[Any]] = socket.getaddrinfo) -> Target:
    """The Target of `url`; UnsafeURL unless it is http(s) and every address of its host
    is public. `resolve` is getaddrinfo (tests pass a resolver of their own)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("only http:// and https:// URLs with a host name")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = resolve(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as error:
        raise UnsafeURL(f"cannot resolve {parts.hostname}: {error}") from error
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        for address in addresses:
            if not is_public(address):
                raise UnsafeURL(f"{parts.hostname} resolves to a non-public address {address}")
    path = parts.path or "/"
    return Target(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        path=f"{path}?{parts.query}" if parts.query else path,
        addresses=tuple(str(address) for address in addresses),
    )


def is_public(address: Address) -> bool:
    """Globally reachable, also as the IPv4 address an IPv6 one carries (NAT64, 6to4…)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        embedded = [
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            for network in _LAST_32_BITS
            if address in network
        ]
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if embedded:
            return all(ipv4.is_global for ipv4 in embedded)
    return address.is_global
