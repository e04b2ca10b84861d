import ipaddress

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The visitor's address, for rate limits and staff audit entries.

    With STEWARD_TRUSTED_PROXIES = 0 (the default) this is REMOTE_ADDR and X-Forwarded-For is
    ignored: anyone can send that header. Behind N trusted proxies, each of which appends the
    address it received the request from, the client is the Nth entry from the right; whatever
    the visitor wrote further left is not trusted. An entry that is not an IP address falls back
    to REMOTE_ADDR.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    trusted = int(getattr(settings, "STEWARD_TRUSTED_PROXIES", 0))
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the request passed fewer proxies than configured; the leftmost
    # entry is still one that a trusted proxy wrote.
    candidate = forwarded[-trusted] if len(forwarded) >= trusted else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_ip(request: HttpRequest) -> str | None:
    """The address recorded in staff audit entries."""
    return client_address(request) or None


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member behind a staff view (after login_required)."""
    if not isinstance(request.user, User) or not request.user.is_authenticated:
        raise PermissionDenied
    return request.user
