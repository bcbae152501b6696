import ipaddress

from django.conf import settings
from django.http import JsonResponse

from .errors import DomainError, NotAnObject


def client_ip(request) -> str:
    """The client as limits count it: an IPv4 address, or the /64 network of an IPv6 one.

    One IPv6 host commonly holds a whole /64, so counting its addresses one by one
    would hand it 2**64 buckets. The address is `client_address`'s.
    """
    address = client_address(request)
    if address is None:
        return request.META.get("REMOTE_ADDR", "")
    if address.version == 4:
        return str(address)
    return str(ipaddress.IPv6Network((address, 64), strict=False))


def client_address(request) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's own address, whole. With N trusted proxies each appends the address
    it saw to X-Forwarded-For, so the client is the N-th entry from the right; anything
    left of it is the client's own claim. With fewer entries than that, no trusted
    proxy wrote the header, and the connection's address is used.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if count else []
    seen_by_proxy = _address(forwarded[-count]) if len(forwarded) >= count > 0 else None
    return seen_by_proxy or _address(remote)


def network_of(client: str) -> str:
    """The network a client key (client_ip) is in: its /24, or the /48 of an IPv6 one. Many
    addresses of one network are often one party (a small botnet, a hosting provider)."""
    try:
        network = ipaddress.ip_network(client, strict=False)
    except ValueError:  # not an address (client_ip's last resort): its own network
        return client
    return str(network.supernet(new_prefix=24 if network.version == 4 else 48))


def _address(entry: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """'203.0.113.9:4711' -> 203.0.113.9; '[2001:db8::1]:4711' -> 2001:db8::1."""
    text = entry.strip()
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def error_body(error: DomainError) -> dict:
    """The one JSON shape of an error: a human `detail` and a stable machine `code`."""
    return {"detail": str(error.message), "code": error.code, **error.extra}


def error_headers(error: DomainError) -> dict:
    return {"Retry-After": str(error.retry_after)} if error.retry_after else {}


def json_error(error: DomainError) -> JsonResponse:
    """An error as plain Django answers it (outside DRF's views)."""
    return JsonResponse(error_body(error), status=error.status, headers=error_headers(error))


def validated(serializer_class, request) -> dict:
    """The request body checked by `serializer_class`; a ValidationError (400) otherwise."""
    if not isinstance(request.data, dict):
        raise NotAnObject()
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
