"""Publishing is audited and, when asked, emails confirmed subscribers in their language."""

from __future__ import annotations

from django.core import mail
from django.utils import timezone

from steward.core import audit
from steward.core.models import AuditEntry
from steward.policy import services, tasks
from steward.policy.models import Subscriber

from .conftest import draft, enqueued, translate_fully


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


def test_publish_with_notify_enqueues_one_task(administrator, v1, django_capture_on_commit_callbacks):
    version = draft(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_version(version, by=administrator, notify_subscribers=True)
    results = enqueued("notify_subscribers")
    assert len(results) == 1
    assert results[0].args == [version.pk]


def test_publish_without_notify_enqueues_nothing(administrator, v1, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_version(draft(administrator), by=administrator, notify_subscribers=False)
    assert enqueued("notify_subscribers") == []


def test_notification_reaches_confirmed_subscribers_once_in_their_language(administrator, v1, settings):
    english = _confirmed("en@example.org")
    german = _confirmed("de@example.org", "de")
    services.subscribe("pending@example.org", language="en")  # never confirmed
    version = draft(administrator, changelog="Added a section on events.")
    services.publish_version(version, by=administrator)
    mail.outbox.clear()

    tasks.notify_subscribers.call(version.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["de@example.org", "en@example.org"]
    english_mail = next(m for m in mail.outbox if m.to == ["en@example.org"])
    assert "Added a section on events." in english_mail.body
    assert "/guidelines/v/2.0/" in english_mail.body
    assert "/guidelines/unsubscribe/" in english_mail.body
    english.refresh_from_db()
    german.refresh_from_db()
    assert english.notified_version == version and german.notified_version == version

    mail.outbox.clear()
    tasks.notify_subscribers.call(version.pk)  # a retry repeats nothing
    assert mail.outbox == []


def test_subscriber_gets_translated_changelog_when_translation_is_complete(administrator, v1):
    _confirmed("ja@example.org", "ja")
    version = draft(administrator)
    translate_fully(version, "ja", administrator)
    services.publish_version(version, by=administrator)
    mail.outbox.clear()
    tasks.notify_subscribers.call(version.pk)
    assert "最初の版" in mail.outbox[0].body
