from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address recorded in staff audit entries (the proxy sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None
