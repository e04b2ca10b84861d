"""Delivery of the emails to guideline subscribers, in the language they chose.

A published version fans out into one message per confirmed subscriber (each with its own
idempotency key, so a repeated fan-out queues nobody twice); each notice moves its subscriber's
`notified_version` forward when sent, and skips a subscriber already told."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from steward.core import outbox

from . import services
from .messages import ConfirmSubscription, SubscriberNotice, VersionPublished
from .models import GuidelineVersion, Subscriber, TranslationStatus


def _url(name: str, *args: str) -> str:
    return settings.STEWARD_BASE_URL.rstrip("/") + reverse(name, args=args)


@outbox.handler(ConfirmSubscription)
def send_confirmation(message: ConfirmSubscription, delivery: outbox.Delivery) -> bool:
    subscriber = Subscriber.objects.select_related("data_key").filter(pk=message.subscriber).first()
    if subscriber is None or subscriber.confirmed_at is not None or subscriber.data_key.wrapped is None:
        return False
    with translation.override(subscriber.language):
        subject = _("Confirm your subscription to the %(organisation)s code of conduct") % {
            "organisation": settings.STEWARD_ORGANISATION_NAME}
        body = _(
            "Someone, probably you, asked to be told when the %(organisation)s code of conduct changes.\n\n"
            "To confirm, open this link within 7 days:\n%(url)s\n\n"
            "If it was not you, ignore this email and nothing more will be sent.\n"
        ) % {"organisation": settings.STEWARD_ORGANISATION_NAME,
             "url": _url("policy:confirm", services.confirm_token(subscriber))}
    delivery.email(subject, body, [subscriber.email])
    return True


def _waiting(version: GuidelineVersion) -> list[int]:
    """Confirmed, not erased subscribers not yet told about `version`."""
    waiting = (Subscriber.objects.select_related("notified_version")
               .filter(confirmed_at__isnull=False, data_key__wrapped__isnull=False).order_by("pk"))
    return [s.pk for s in waiting if s.notified_version is None or s.notified_version.number < version.number]


@outbox.handler(VersionPublished)
def fan_out(message: VersionPublished, delivery: outbox.Delivery) -> bool:
    version = GuidelineVersion.objects.published().filter(pk=message.version).first()
    if version is None:
        return False
    with transaction.atomic():
        for subscriber_id in _waiting(version):
            notice = SubscriberNotice(version=version.pk, subscriber=subscriber_id)
            outbox.send(notice, key=notice.key)
    return True


@outbox.handler(SubscriberNotice)
def notify_subscriber(message: SubscriberNotice, delivery: outbox.Delivery) -> bool:
    version = GuidelineVersion.objects.published().filter(pk=message.version).first()
    subscriber = (Subscriber.objects.select_related("data_key", "notified_version")
                  .filter(pk=message.subscriber, confirmed_at__isnull=False, data_key__wrapped__isnull=False).first())
    if version is None or subscriber is None:
        return False  # unpublished, unsubscribed or erased meanwhile
    told = subscriber.notified_version
    if told is not None and not told.number < version.number:
        return False
    changelog = version.changelog
    if subscriber.language != "en":
        status = services.translation_status(version, subscriber.language)
        if status.status == TranslationStatus.COMPLETE and status.translation and status.translation.changelog:
            changelog = status.translation.changelog
    with translation.override(subscriber.language):
        subject = _("The %(organisation)s code of conduct has a new version: %(number)s") % {
            "organisation": settings.STEWARD_ORGANISATION_NAME, "number": version.number}
        body = _(
            "Version %(number)s of the %(organisation)s code of conduct takes effect on %(date)s.\n\n"
            "What changed:\n%(changelog)s\n\n"
            "Read it: %(url)s\n"
            "All changes: %(changes)s\n\n"
            "To stop these emails: %(unsubscribe)s\n"
        ) % {"number": version.number, "organisation": settings.STEWARD_ORGANISATION_NAME,
             "date": version.effective_date.isoformat(), "changelog": changelog,
             "url": _url("policy:version", str(version.number)), "changes": _url("policy:changes"),
             "unsubscribe": _url("policy:unsubscribe", services.unsubscribe_token(subscriber))}
    delivery.email(subject, body, [subscriber.email])
    Subscriber.objects.filter(pk=subscriber.pk).update(notified_version=version)
    return True
