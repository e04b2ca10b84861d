"""Error pages: generic, translated, and never echoing the request back."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# The language switch on an error page does not carry the failed address back (next=).
ERROR_CONTEXT = {"error_page": True}


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", ERROR_CONTEXT, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", ERROR_CONTEXT, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", ERROR_CONTEXT, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", ERROR_CONTEXT, status=500)
