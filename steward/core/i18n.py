"""Languages: which strings must exist in every shipped language, and `?lang=` links."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

# Source files whose strings reporters (or people reading the guidelines) see. Every shipped
# language must translate these; the staff interface is complete in STEWARD_FULL_LANGUAGES.
REPORTER_FACING = (
    "steward/templates/base.html",
    "steward/templates/home.html",
    "steward/templates/includes/",
    "steward/templates/errors/",
    "steward/templates/reports/",
    "steward/policy/templates/policy/",
    "steward/reports/",
    "steward/policy/",
    "steward/registry/systems.py",
    "steward/core/templates/",
    "steward/decisions/templates/decisions/consequences.html",
)
STAFF_ONLY = (
    "steward/templates/reports/staff_",
    "steward/policy/templates/policy/staff/",
)


def is_reporter_facing(source: str) -> bool:
    return source.startswith(REPORTER_FACING) and not source.startswith(STAFF_ONLY)


class LanguageFromQueryMiddleware:
    """`?lang=ar` on any page picks the language and remembers it, so an organisation can
    link straight to its reporting form in a community's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = None
        if asked := request.GET.get("lang", ""):
            try:
                language = translation.get_supported_language_variant(asked[:20].lower())
            except LookupError:
                language = None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
            )
        return response
