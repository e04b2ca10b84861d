"""Error pages: generic, translated, and never echoing the request back."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import access, navigation
from .roles import Role

# The language switch on an error page does not carry the failed address back (next=).
ERROR_CONTEXT = {"error_page": True}


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", ERROR_CONTEXT, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Refused: say what the staff member can use instead (their navigation), never what was refused."""
    user = getattr(request, "user", None)
    pages = navigation.staff_pages(user, request) if user is not None else []
    held = access.roles_of(user) if user is not None else frozenset()
    roles = ", ".join(sorted(str(Role(name).label) for name in held if name in Role.values))
    context = {**ERROR_CONTEXT, "pages": pages, "roles": roles,
               "layout": "staff/base.html" if pages else "base.html"}
    return render(request, "errors/403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", ERROR_CONTEXT, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", ERROR_CONTEXT, status=500)
