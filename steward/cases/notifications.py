"""Delivery of the cases' outbox messages. Each handler reads the case by id when it sends and
writes a generic email: no report content ever leaves Steward by email."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from steward.core import outbox

from .messages import AssigneeNotice, ConsultantAsked, SecurityAlert
from .models import Case, Consultation


def _case_url(case_id: int) -> str:
    return settings.STEWARD_BASE_URL.rstrip("/") + reverse("cases:detail", args=[case_id])


@outbox.handler(AssigneeNotice)
def notify_assignee(message: AssigneeNotice, delivery: outbox.Delivery) -> bool:
    case = Case.objects.select_related("assignee").filter(pk=message.case).first()
    if case is None or case.assignee is None or not case.assignee.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = {
            AssigneeNotice.ASSIGNED: _("[Steward] Case %(ref)s was assigned to you"),
            AssigneeNotice.REPORTER_MESSAGE: _("[Steward] New message from the reporter on case %(ref)s"),
        }.get(message.reason, _("[Steward] Update on case %(ref)s")) % {"ref": case.reference}
        body = _("Open the case in Steward to read it:\n%(url)s\n\nThis email deliberately contains no case details.") % {
            "url": _case_url(case.pk)}
    delivery.email(subject, body, [case.assignee.email])
    return True


@outbox.handler(SecurityAlert)
def notify_security(message: SecurityAlert, delivery: outbox.Delivery) -> bool:
    case = Case.objects.filter(pk=message.case).first()
    if case is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Steward] P1 safety incident: case %(ref)s") % {"ref": case.reference}
        body = _("A case has been flagged as a possible threat to someone's safety. Respond within %(hours)s hour(s):\n%(url)s") % {
            "hours": settings.STEWARD_SLA_HOURS["P1"], "url": _case_url(case.pk)}
    delivery.email(subject, body, [settings.STEWARD_SECURITY_EMAIL])
    return True


@outbox.handler(ConsultantAsked)
def notify_consultant(message: ConsultantAsked, delivery: outbox.Delivery) -> bool:
    consultation = Consultation.objects.select_related("case", "consultant").filter(pk=message.consultation).first()
    # A consultation withdrawn before the email went out no longer asks anything of them.
    if (consultation is None or consultation.status == Consultation.Status.WITHDRAWN
            or not consultation.consultant.email):
        return False
    case = consultation.case
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Steward] You were consulted on case %(ref)s") % {"ref": case.reference}
        body = _("A colleague asked for your advice on case %(ref)s. Sign in to Steward to read the question and "
                 "answer it:\n%(url)s\n\nThis email deliberately contains no case details.") % {
            "ref": case.reference, "url": _case_url(case.pk)}
    delivery.email(subject, body, [consultation.consultant.email])
    return True
