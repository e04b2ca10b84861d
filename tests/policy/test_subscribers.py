"""Subscribing: the address is stored sealed, confirmed by a signed link, and deleted on unsubscribe."""

from __future__ import annotations

from django.core import mail
from django.test import Client

from steward.core.models import AuditEntry
from steward.policy import services
from steward.policy.messages import ConfirmSubscription
from steward.policy.models import Subscriber
from tests.conftest import deliver_outbox, queued


def test_subscribe_form_stores_a_sealed_address_and_sends_a_confirmation(v1):
    client = Client()
    response = client.post("/guidelines/subscribe/", {"email": "Reader@Example.org", "language": "ja"})
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    subscriber = Subscriber.objects.get()
    assert b"reader@example.org" not in bytes(subscriber.email_sealed).lower()
    assert subscriber.email == "Reader@Example.org"
    assert subscriber.language == "ja"
    assert subscriber.confirmed_at is None
    assert queued(ConfirmSubscription) == [ConfirmSubscription(subscriber=subscriber.pk)]

    deliver_outbox()
    assert mail.outbox[0].to == ["Reader@Example.org"]
    assert "/guidelines/subscribe/confirm/" in mail.outbox[0].body


def test_subscribing_twice_keeps_one_row(v1):
    services.subscribe("a@example.org", language="en")
    services.subscribe("A@example.org ", language="de")
    assert Subscriber.objects.count() == 1
    assert Subscriber.objects.get().language == "de"


def test_bad_subscribe_input_changes_nothing(v1):
    client = Client()
    response = client.post("/guidelines/subscribe/", {"email": "not-an-address", "language": "en"})
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    response = client.post("/guidelines/subscribe/", {"email": "a@example.org", "language": "xx"})
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


def test_confirm_link_needs_a_post(v1):
    subscriber = services.subscribe("a@example.org", language="en")
    url = f"/guidelines/subscribe/confirm/{services.confirm_token(subscriber)}/"
    client = Client()
    page = client.get(url)
    assert page.status_code == 200 and b"Confirm" in page.content
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None  # a mail scanner opening the link confirms nothing
    done = client.post(url)
    assert done.status_code == 200 and b"You are subscribed" in done.content
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is not None
    assert subscriber.notified_version == v1  # only later versions are news
    assert AuditEntry.objects.filter(action="guidelines.subscribe_confirm").count() == 1


def test_forged_or_swapped_tokens_are_refused(v1):
    subscriber = services.subscribe("a@example.org", language="en")
    client = Client()
    assert client.post("/guidelines/subscribe/confirm/nonsense/").status_code == 400
    # An unsubscribe token is no confirmation token.
    assert client.post(f"/guidelines/subscribe/confirm/{services.unsubscribe_token(subscriber)}/").status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.confirmed_at is None


def test_unsubscribe_deletes_the_address(v1):
    subscriber = services.subscribe("a@example.org", language="en")
    url = f"/guidelines/unsubscribe/{services.unsubscribe_token(subscriber)}/"
    client = Client()
    assert client.get(url).status_code == 200
    assert Subscriber.objects.exists()
    response = client.post(url)
    assert b"You are unsubscribed" in response.content
    assert not Subscriber.objects.exists()
    again = client.post(url)
    assert again.status_code == 400 and b"may already be unsubscribed" in again.content


def test_subscribe_is_rate_limited(v1, settings):
    settings.STEWARD_INTAKE_RATE = (2, 3600)
    client = Client()
    for index in range(2):
        client.post("/guidelines/subscribe/", {"email": f"a{index}@example.org", "language": "en"})
    response = client.post("/guidelines/subscribe/", {"email": "late@example.org", "language": "en"})
    assert response.status_code == 429
    assert Subscriber.objects.count() == 2
