"""Error pages: generic, translated, and never echoing the request back."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import access, navigation
from .roles import Role

# The language switch on an error page does not carry the failed address back (next=).
ERROR_CONTEXT = {"error_page": True}
API_PREFIX = "/api/"


def _api_error(status: int, detail: str) -> JsonResponse:
    """Errors Django answers itself under /api/ (no such URL, a crash) in the API's JSON shape."""
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _api_error(400, _("The request was refused."))
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
    if request.path.startswith(API_PREFIX):
        return _api_error(404, _("Not found."))
    return render(request, "errors/404.html", ERROR_CONTEXT, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _api_error(500, _("Something went wrong on our side. Try again later."))
    return render(request, "errors/500.html", ERROR_CONTEXT, status=500)
