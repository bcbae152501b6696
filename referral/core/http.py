import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: the connection's, or the one the trusted proxies saw.

    With N trusted proxies, each appends the address it saw to X-Forwarded-For, so
    the client is the N-th entry from the right; anything left of it is the client's
    own claim and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    candidate = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def validated(serializer_class, request) -> dict:
    """The request body checked by `serializer_class`; a ValidationError (400) otherwise."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
