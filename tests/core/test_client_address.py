"""Client addresses behind reverse proxies: X-Forwarded-For counts only as far as
STEWARD_TRUSTED_PROXIES says, so a visitor cannot choose their own address."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from steward.core import ratelimit
from steward.core.http import client_address, client_ip
from tests.reports.helpers import report_data

PROXY = "10.0.0.2"


def request(forwarded: str | None = None, remote: str = PROXY):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.STEWARD_TRUSTED_PROXIES = 0

    assert client_address(request("198.51.100.7")) == PROXY
    assert client_ip(request("198.51.100.7, 203.0.113.5")) == PROXY


def test_one_trusted_proxy_uses_the_address_it_appended(settings):
    settings.STEWARD_TRUSTED_PROXIES = 1

    assert client_address(request("203.0.113.5")) == "203.0.113.5"


def test_a_spoofed_entry_in_front_is_not_believed(settings):
    """The visitor sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the real address."""
    settings.STEWARD_TRUSTED_PROXIES = 1

    assert client_address(request("1.2.3.4, 203.0.113.5")) == "203.0.113.5"
    assert client_address(request("1.2.3.4, 5.6.7.8, 203.0.113.5")) == "203.0.113.5"


def test_two_trusted_proxies_take_the_second_entry_from_the_right(settings):
    settings.STEWARD_TRUSTED_PROXIES = 2

    assert client_address(request("1.2.3.4, 203.0.113.5, 10.0.0.1")) == "203.0.113.5"


def test_fewer_entries_than_proxies_takes_the_leftmost(settings):
    settings.STEWARD_TRUSTED_PROXIES = 2

    assert client_address(request("203.0.113.5")) == "203.0.113.5"


@pytest.mark.parametrize("forwarded", ["", "   ", "not-an-address", "203.0.113.5:443", "<script>"])
def test_a_missing_or_malformed_entry_falls_back_to_the_proxy(settings, forwarded):
    settings.STEWARD_TRUSTED_PROXIES = 1

    assert client_address(request(forwarded)) == PROXY


def test_ipv6_addresses_are_normalised(settings):
    settings.STEWARD_TRUSTED_PROXIES = 1

    assert client_address(request("2001:DB8:0:0::1")) == "2001:db8::1"


def test_rate_limit_key_follows_the_client_address(settings):
    settings.STEWARD_TRUSTED_PROXIES = 1

    assert ratelimit.client_key(request("203.0.113.5")) == ratelimit.client_key(request("1.2.3.4, 203.0.113.5"))
    assert ratelimit.client_key(request("203.0.113.5")) != ratelimit.client_key(request("203.0.113.6"))


def test_rate_limit_key_ignores_the_header_without_trusted_proxies(settings):
    settings.STEWARD_TRUSTED_PROXIES = 0

    assert ratelimit.client_key(request("203.0.113.5")) == ratelimit.client_key(request("203.0.113.6"))


@pytest.mark.django_db
def test_spoofing_the_header_does_not_escape_the_intake_limit(settings):
    settings.STEWARD_TRUSTED_PROXIES = 0
    settings.STEWARD_INTAKE_RATE = (2, 3600)
    client = Client()

    statuses = [client.post("/report/", {**report_data(client), "narrative": f"Report {n} about the meetup"},
                            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_behind_a_proxy_each_reporter_has_their_own_limit(settings):
    settings.STEWARD_TRUSTED_PROXIES = 1
    settings.STEWARD_INTAKE_RATE = (1, 3600)
    client = Client(REMOTE_ADDR=PROXY)

    def post(forwarded: str) -> int:
        data = {**report_data(client), "narrative": f"Report from {forwarded} about the meetup"}
        return client.post("/report/", data, HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert post("203.0.113.5") == 200
    assert post("203.0.113.6") == 200  # another reporter behind the same proxy
    assert post("203.0.113.5") == 429
    assert post("9.9.9.9, 203.0.113.5") == 429  # a made-up entry in front changes nothing
