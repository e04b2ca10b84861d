"""Signed single-use links: forged, altered, moved to another purpose, expired or reused links are refused."""

from __future__ import annotations

import pytest
from django.core import signing
from django.db import transaction

from steward.core import links
from steward.core.models import UsedLink

pytestmark = pytest.mark.django_db
DAY = 86400


def test_a_link_says_what_it_is_about_until_it_is_used():
    token = links.issue("appeal", 42)

    assert links.peek(token, "appeal", max_age=DAY).subject == 42
    with transaction.atomic():
        used = links.redeem(token, "appeal", max_age=DAY)

    assert used.subject == 42
    with pytest.raises(links.LinkRefused) as refused:
        links.peek(token, "appeal", max_age=DAY)
    assert refused.value.message == links.USED
    with pytest.raises(links.LinkRefused), transaction.atomic():
        links.redeem(token, "appeal", max_age=DAY)
    assert UsedLink.objects.count() == 1


def test_each_link_is_its_own():
    first, second = links.issue("appeal", 42), links.issue("appeal", 42)
    assert first != second
    with transaction.atomic():
        links.redeem(first, "appeal", max_age=DAY)
    assert links.peek(second, "appeal", max_age=DAY).subject == 42


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: signing.dumps({"s": 43, "n": "0" * 32}, salt="steward.links.appeal", key="someone-else's key"),
    lambda token: signing.dumps({"s": "43", "n": "0" * 32}, salt="steward.links.appeal"),
    lambda token: "not-a-link",
])
def test_an_altered_or_forged_link_is_refused(tamper):
    with pytest.raises(links.LinkRefused) as refused:
        links.peek(tamper(links.issue("appeal", 42)), "appeal", max_age=DAY)
    assert refused.value.message == links.TAMPERED


def test_a_link_for_one_purpose_does_not_open_another():
    with pytest.raises(links.LinkRefused) as refused:
        links.peek(links.issue("respond", 42), "appeal", max_age=DAY)
    assert refused.value.message == links.TAMPERED


def test_an_old_link_is_refused(monkeypatch):
    token = links.issue("appeal", 42)
    with pytest.raises(links.LinkRefused) as refused:
        links.peek(token, "appeal", max_age=-1)
    assert refused.value.message == links.EXPIRED


@pytest.mark.django_db(transaction=True)
def test_redeeming_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        links.redeem(links.issue("appeal", 1), "appeal", max_age=DAY)


def test_a_link_leads_to_its_purpose_page(settings):
    settings.STEWARD_BASE_URL = "https://conduct.example.org/"
    assert links.absolute_url("appeal", "abc:def") == "https://conduct.example.org/l/appeal/abc:def/"
