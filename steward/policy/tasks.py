"""Emails to guideline subscribers, in the language they chose.

`notify_subscribers` moves each subscriber's `notified_version` forward as it goes, so
a retried task skips everyone already told and nobody gets the same email twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


def _url(name: str, *args: str) -> str:
    return settings.STEWARD_BASE_URL.rstrip("/") + reverse(name, args=args)


@task()
def send_confirmation(subscriber_id: int) -> None:
    from . import services
    from .models import Subscriber

    subscriber = Subscriber.objects.select_related("data_key").filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.confirmed_at is not None or subscriber.data_key.wrapped is None:
        return
    with translation.override(subscriber.language):
        subject = _("Confirm your subscription to the %(organisation)s code of conduct") % {
            "organisation": settings.STEWARD_ORGANISATION_NAME}
        body = _(
            "Someone, probably you, asked to be told when the %(organisation)s code of conduct changes.\n\n"
            "To confirm, open this link within 7 days:\n%(url)s\n\n"
            "If it was not you, ignore this email and nothing more will be sent.\n"
        ) % {"organisation": settings.STEWARD_ORGANISATION_NAME,
             "url": _url("policy:confirm", services.confirm_token(subscriber))}
    send_mail(subject, body, None, [subscriber.email])


@task()
def notify_subscribers(version_id: int) -> None:
    from . import services
    from .models import GuidelineVersion, Subscriber, TranslationStatus

    version = GuidelineVersion.objects.published().filter(pk=version_id).first()
    if version is None:
        return
    waiting = (Subscriber.objects.select_related("data_key", "notified_version")
               .filter(confirmed_at__isnull=False, data_key__wrapped__isnull=False).order_by("pk"))
    for subscriber in waiting:
        told = subscriber.notified_version
        if told is not None and not told.number < version.number:
            continue
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
        send_mail(subject, body, None, [subscriber.email])
        Subscriber.objects.filter(pk=subscriber.pk).update(notified_version=version)
