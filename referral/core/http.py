def client_ip(request) -> str:
    """The address the request came from (proxies are not trusted here)."""
    return request.META.get("REMOTE_ADDR", "")
