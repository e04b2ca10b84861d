"""Delivery of the decisions' outbox messages. Each handler reads what it needs when it sends.
The request to respond goes to the reported person's email identity, in the language the
decision maker chose; its subject line names nothing of the case.
Staff are sent a reference and a link; the person a decision applies to is told the outcome of
the appeal in neutral words (no reasons, nothing of the reports, never who reported)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from steward.cases import providers
from steward.core import links, outbox
from steward.registry.models import System

from . import appeals, decision_messages
from .messages import AppealDecidedNotice, AppealToDecide, DecisionMessageToSend, ResponseAsked
from .models import Appeal, Audience, DecisionMessage, Proposal, ResponseRequest


@outbox.handler(AppealToDecide)
def notify_deciders(message: AppealToDecide, delivery: outbox.Delivery) -> bool:
    appeal = Appeal.objects.select_related("case", "decision").filter(pk=message.appeal).first()
    if appeal is None or not appeal.is_open:
        return False  # decided before the email went out: nothing waits for them
    to = [user.email for user in appeals.deciders(appeal) if user.email]
    if not to:
        return False
    url = settings.STEWARD_BASE_URL.rstrip("/") + reverse("decisions:appeal", args=[appeal.pk])
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Steward] An appeal on case %(ref)s waits for a decision") % {"ref": appeal.case.reference}
        body = _("A decision on case %(ref)s was appealed. It goes to decision makers who took no part in it: "
                 "sign in to Steward to review it:\n%(url)s\n\nThis email deliberately contains no case details.") % {
            "ref": appeal.case.reference, "url": url}
    delivery.email(subject, body, to)
    return True


@outbox.handler(AppealDecidedNotice)
def notify_reported_person(message: AppealDecidedNotice, delivery: outbox.Delivery) -> bool:
    appeal = Appeal.objects.select_related("case", "decision", "new_decision").filter(pk=message.appeal).first()
    if appeal is None or appeal.decision.subject_id is None or appeal.case.erased_at is not None:
        return False
    address = appeals.email_of(appeal.decision.subject_id)
    if address is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):  # the language of the reports is the reporter's, not theirs
        context = {"organisation": settings.STEWARD_ORGANISATION_NAME,
                   "date": appeal.decision.decided_at.date().isoformat()}
        if appeal.status == Appeal.Status.UPHELD:
            outcome = _("The decision was reviewed and stays as it was.")
        elif appeal.status == Appeal.Status.REVERSED:
            outcome = _("The decision was reversed: it no longer applies to you.")
        elif appeal.new_decision is not None:
            new = appeal.new_decision
            outcome = _("The decision was changed. It is now: %(label)s.") % {"label": new.label}
            if new.ends_on:
                outcome += "\n" + _("It ends on %(date)s.") % {"date": new.ends_on.isoformat()}
        else:
            return False
        subject = _("The appeal about a decision of %(organisation)s was decided") % context
        body = (_("An appeal against the decision of %(date)s was reviewed by someone who took no part in it.")
                % context + "\n\n" + outcome + "\n\n"
                + _("This review is final. If you have questions, reply to the address of %(organisation)s "
                    "that wrote to you.") % context + "\n")
    delivery.email(subject, body, [address])
    return True


RESPOND = "respond"


@outbox.handler(ResponseAsked)
def ask_for_response(message: ResponseAsked, delivery: outbox.Delivery) -> bool:
    request = (ResponseRequest.objects.select_related("proposal", "person").filter(pk=message.request).first())
    # Nothing to ask any more: answered meanwhile, or the proposal was withdrawn or enacted.
    if request is None or request.responded_at is not None or request.proposal.status != Proposal.Status.OPEN:
        return False
    identity = request.person.identities.filter(system=System.MAILING_LIST).select_related("data_key").first()
    if identity is None:
        return False
    url = links.absolute_url(RESPOND, links.issue(RESPOND, request.pk))
    with translation.override(request.language):
        subject = _("A request for your response")
        body = _("The community team is about to decide on a matter that concerns you and would like to hear "
                 "from you first. Read what it is about and answer here (the link works once):\n%(url)s\n\n"
                 "If you do not wish to answer, you do not need to do anything.") % {"url": url}
    delivery.email(subject, body, [identity.handle])
    return True


@outbox.handler(DecisionMessageToSend)
def send_decision_message(message: DecisionMessageToSend, delivery: outbox.Delivery) -> bool:
    """The stored text, as previewed; the reported person's appeal link is made now, so none is
    stored. A reporter without an address reads it on the follow-up page instead."""
    row = (DecisionMessage.objects.select_related("case__data_key", "decision").filter(pk=message.message).first())
    if row is None or row.case.erased_at is not None:
        return False
    if row.audience == Audience.REPORTED:
        address = appeals.email_of(row.decision.subject_id) if row.decision.subject_id is not None else None
        body = row.body.replace(decision_messages.APPEAL_SLOT, appeals.issue_link(row.decision))
    else:
        address = providers.reports().contact_email(row.report) if row.report is not None else None
        body = row.body
    if address is None:
        return False
    delivery.email(row.subject, body, [address])
    DecisionMessage.objects.filter(pk=row.pk).update(sent_at=timezone.now())
    return True
