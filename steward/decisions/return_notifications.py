"""Delivery of the return emails. Each handler reads what it needs when it sends: the return
link is issued then (never stored in the outbox), and no case content is written into an email."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from steward.core import links, outbox
from steward.registry.models import Identity, System

from .models import CheckIn, Return
from .return_messages import CheckInReminder, ReturnInvitation

RETURN_PURPOSE = "return"


def person_email(person_id: int | None) -> str:
    """The address of the person's email identity, if they have one ("" otherwise)."""
    if person_id is None:
        return ""
    identity = (Identity.objects.select_related("data_key").filter(person_id=person_id, system=System.MAILING_LIST)
                .order_by("pk").first())
    return identity.handle if identity is not None else ""


@outbox.handler(ReturnInvitation)
def invite_to_return(message: ReturnInvitation, delivery: outbox.Delivery) -> bool:
    invitation = Return.objects.select_related("decision").filter(pk=message.invitation).first()
    # Onboarding done meanwhile, or nobody to write to: nothing to send any more.
    if invitation is None or invitation.acknowledged_at is not None:
        return False
    address = person_email(invitation.decision.subject_id)
    if not address:
        return False
    url = links.absolute_url(RETURN_PURPOSE, links.issue(RETURN_PURPOSE, invitation.pk))
    ends_on = invitation.decision.ends_on
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Steward] Before you return to the community")
        body = _("The temporary ban decided about you ends on %(date)s. Before you take part again, please read the current code of "
                 "conduct and confirm that you have read it:\n%(url)s\n\nThe link works once, without an account.") % {
            "date": ends_on.isoformat() if ends_on else "", "url": url}
        if invitation.course_assigned_at is not None:
            body += "\n\n" + _("You are also asked to take a short onboarding course before the ban ends: a separate "
                                 "email tells you how to sign in to it with this address.")
    delivery.email(subject, body, [address])
    return True


@outbox.handler(CheckInReminder)
def remind_check_in(message: CheckInReminder, delivery: outbox.Delivery) -> bool:
    check_in = CheckIn.objects.select_related("case__assignee").filter(pk=message.check_in).first()
    if check_in is None or check_in.done_at is not None:
        return False
    case = check_in.case
    if case.assignee is None or not case.assignee.email:
        return False
    url = settings.STEWARD_BASE_URL.rstrip("/") + reverse("cases:detail", args=[case.pk])
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Steward] Check-in due on case %(ref)s") % {"ref": case.reference}
        body = _("A check-in with a person who returned after a suspension is due. Record it on the case:\n%(url)s\n\n"
                 "This email deliberately contains no case details.") % {"url": url}
    delivery.email(subject, body, [case.assignee.email])
    return True
