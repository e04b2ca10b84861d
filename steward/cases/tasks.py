"""Notifications. Each task reads the case by id when it runs and sends a generic email:
no report content ever leaves Steward by email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


def _case_url(case_id: int) -> str:
    return settings.STEWARD_BASE_URL.rstrip("/") + reverse("cases:detail", args=[case_id])


@task()
def notify_assignee(case_id: int, reason: str) -> None:
    from .models import Case

    case = Case.objects.select_related("assignee").filter(pk=case_id).first()
    if case is None or case.assignee is None or not case.assignee.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = {
            "assigned": _("[Steward] Case %(ref)s was assigned to you"),
            "reporter_message": _("[Steward] New message from the reporter on case %(ref)s"),
        }.get(reason, _("[Steward] Update on case %(ref)s")) % {"ref": case.reference}
        body = _("Open the case in Steward to read it:\n%(url)s\n\nThis email deliberately contains no case details.") % {
            "url": _case_url(case.pk)}
    send_mail(subject, body, None, [case.assignee.email])


@task(priority=100)
def notify_security(case_id: int) -> None:
    from .models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Steward] P1 safety incident: case %(ref)s") % {"ref": case.reference}
        body = _("A case has been flagged as a possible threat to someone's safety. Respond within %(hours)s hour(s):\n%(url)s") % {
            "hours": settings.STEWARD_SLA_HOURS["P1"], "url": _case_url(case.pk)}
    send_mail(subject, body, None, [settings.STEWARD_SECURITY_EMAIL])
