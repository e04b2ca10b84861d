"""Steward's URLs plus `/bench/bare/`: the cheapest possible Django view, as the baseline."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from steward.urls import handler400, handler403, handler404, handler500  # noqa: F401
from steward.urls import urlpatterns as steward_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *steward_urlpatterns]
