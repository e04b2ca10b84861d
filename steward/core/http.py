from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address recorded in staff audit entries (the proxy sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member behind a staff view (after login_required)."""
    if not isinstance(request.user, User) or not request.user.is_authenticated:
        raise PermissionDenied
    return request.user
