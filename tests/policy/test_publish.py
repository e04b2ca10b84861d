"""Publishing is audited and, when asked, emails confirmed subscribers in their language."""

from __future__ import annotations

from django.core import mail
from django.db import transaction
from django.utils import timezone

from steward.core import audit, outbox
from steward.core.models import AuditEntry
from steward.policy import services
from steward.policy.messages import SubscriberNotice, VersionPublished
from steward.policy.models import Subscriber
from tests.conftest import deliver_outbox, queued

from .conftest import draft, translate_fully


def _confirmed(email: str, language: str = "en") -> Subscriber:
    subscriber = services.subscribe(email, language=language)
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmed_at=timezone.now(), notified_version=None)
    subscriber.refresh_from_db()
    return subscriber


def test_publish_is_audited(administrator, v1):
    version = draft(administrator)
    services.publish_version(version, by=administrator, ip="192.0.2.7")
    entry = AuditEntry.objects.filter(action="guidelines.publish").get()
    assert entry.actor == administrator
    assert entry.object_id == str(version.pk)
    assert entry.detail == {"number": "2.0", "effective_date": version.effective_date.isoformat(),
                            "notify_subscribers": False}
    assert entry.ip == "192.0.2.7"
    audit.sequence()
    assert audit.verify() == []
    version.refresh_from_db()
    assert version.published_by == administrator and version.published_at is not None


def test_publish_with_notify_queues_one_message(administrator, v1):
    version = draft(administrator)
    services.publish_version(version, by=administrator, notify_subscribers=True)
    assert queued(VersionPublished) == [VersionPublished(version=version.pk)]


def test_publish_without_notify_queues_nothing(administrator, v1):
    services.publish_version(draft(administrator), by=administrator, notify_subscribers=False)
    assert queued(VersionPublished) == []


def test_notification_reaches_confirmed_subscribers_once_in_their_language(administrator, v1, settings):
    english = _confirmed("en@example.org")
    german = _confirmed("de@example.org", "de")
    services.subscribe("pending@example.org", language="en")  # never confirmed
    deliver_outbox()  # the confirmation emails
    version = draft(administrator, changelog="Added a section on events.")
    services.publish_version(version, by=administrator, notify_subscribers=True)
    mail.outbox.clear()

    deliver_outbox()
    assert sorted((n.version, n.subscriber) for n in queued(SubscriberNotice)) == [
        (version.pk, english.pk), (version.pk, german.pk)]
    assert sorted(m.to[0] for m in mail.outbox) == ["de@example.org", "en@example.org"]
    english_mail = next(m for m in mail.outbox if m.to == ["en@example.org"])
    assert "Added a section on events." in english_mail.body
    assert "/guidelines/v/2.0/" in english_mail.body
    assert "/guidelines/unsubscribe/" in english_mail.body
    english.refresh_from_db()
    german.refresh_from_db()
    assert english.notified_version == version and german.notified_version == version

    mail.outbox.clear()
    with transaction.atomic():  # a second fan-out, and a notice sent again, repeat nothing
        outbox.send(VersionPublished(version=version.pk))
        outbox.send(SubscriberNotice(version=version.pk, subscriber=english.pk))
    assert deliver_outbox() == 2
    assert mail.outbox == []
    assert len(queued(SubscriberNotice)) == 3


def test_subscriber_gets_translated_changelog_when_translation_is_complete(administrator, v1):
    _confirmed("ja@example.org", "ja")
    version = draft(administrator)
    translate_fully(version, "ja", administrator)
    deliver_outbox()
    services.publish_version(version, by=administrator, notify_subscribers=True)
    mail.outbox.clear()
    deliver_outbox()
    assert "最初の版" in mail.outbox[0].body
