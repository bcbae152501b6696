"""Where a webhook may go: no loopback, private, link-local or metadata address (SSRF),
unless WEBHOOKS_ALLOW_PRIVATE_URLS. Checked when an endpoint is added, and again before
each send, because DNS can change."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeURL(ValueError):
    pass


def check(url: str) -> None:
    """Raise UnsafeURL unless `url` is http(s) and every address of its host is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("only http:// and https:// URLs with a host name")
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as error:
        raise UnsafeURL(f"cannot resolve {parts.hostname}: {error}") from error
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global:  # loopback, private, link-local (169.254.169.254), reserved…
            raise UnsafeURL(f"{parts.hostname} resolves to a non-public address {address}")
