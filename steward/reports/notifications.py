"""Delivery of the emails to reporters, in their language. They never contain report content or
the receipt code: a mailbox is not a safe place for either. Also the filing of received reports,
which goes through the outbox for its retries and its place on the deliveries page."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from steward.core import outbox

from . import services
from .messages import AcknowledgeReport, FileReport, ReporterNotice, ReporterToRead
from .models import Report


def _send(report_id: int, subject: str, body: str, delivery: outbox.Delivery) -> bool:
    report = Report.objects.select_related("data_key").filter(pk=report_id).first()
    if report is None or not report.contact_email_sealed or report.data_key.wrapped is None:
        return False  # erased or anonymous meanwhile
    language = report.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "organisation": settings.STEWARD_ORGANISATION_NAME,
            "url": settings.STEWARD_BASE_URL.rstrip("/") + reverse("reports:follow_up"),
            "ack_hours": settings.STEWARD_ACK_HOURS,
            "response_days": settings.STEWARD_FIRST_RESPONSE_DAYS,
        }
        delivery.email(_(subject) % context, _(body) % context, [report.contact_email])
    return True


# Marked with gettext_noop here and translated when sent, in the reporter's language.
ACK_SUBJECT = gettext_noop("We received your report — %(organisation)s")
ACK_BODY = gettext_noop(
    "Thank you for telling us. Your report has been received and stored securely.\n\n"
    "What happens next: someone from the community team will acknowledge it within %(ack_hours)s hours "
    "and respond within %(response_days)s days.\n\n"
    "You can follow your report, read our questions and add information at %(url)s with the receipt code "
    "you were shown. For your safety this email does not repeat what you wrote or your code.\n"
)
MESSAGE_SUBJECT = gettext_noop("There is a new message about your report — %(organisation)s")
MESSAGE_BODY = gettext_noop(
    "Someone handling your report has written to you.\n\n"
    "Read it at %(url)s with your receipt code. For your safety this email does not contain the message.\n"
)


@outbox.handler(AcknowledgeReport)
def acknowledge_report(message: AcknowledgeReport, delivery: outbox.Delivery) -> bool:
    return _send(message.report, ACK_SUBJECT, ACK_BODY, delivery)


@outbox.handler(ReporterNotice)
def notify_reporter(message: ReporterNotice, delivery: outbox.Delivery) -> bool:
    return _send(message.report, MESSAGE_SUBJECT, MESSAGE_BODY, delivery)


@outbox.handler(FileReport)
def file_report(message: FileReport, delivery: outbox.Delivery) -> bool:
    """Filing is idempotent (a report is filed once, whoever asks first), so a repeat after a worker
    stopped mid-way is harmless."""
    return services.file_received(message.received) is not None


TO_READ_SUBJECT = gettext_noop("There is something to read about your report — %(organisation)s")
TO_READ_BODY = gettext_noop(
    "The people handling your report have something for you to read, and would like to hear what you think.\n\n"
    "Read it at %(url)s with your receipt code. For your safety this email does not say what it is.\n"
)


@outbox.handler(ReporterToRead)
def tell_reporter_to_read(message: ReporterToRead, delivery: outbox.Delivery) -> bool:
    return _send(message.report, TO_READ_SUBJECT, TO_READ_BODY, delivery)
