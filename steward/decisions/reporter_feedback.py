"""The reporters told the proposed outcome before it is enacted, and their feedback.

A decision maker tells the reporters of an open proposal what is proposed, in a short neutral
text; each report's reporter reads it on the follow-up page (through `cases.providers`, which the
reports app asks) and may give feedback once: free text, and whether they agree if they wish.
Feedback is recorded, not binding: enacting never waits for it, and once the proposal is enacted
or withdrawn it is refused. Texts are sealed with the case key; every read of them is audited."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import providers
from steward.cases import services as cases
from steward.cases.models import Case
from steward.core import audit, events

from .events import ReporterFeedbackGiven, ReportersTold
from .models import Proposal, ReporterFeedback, ReporterNotice
from .proposals import DecisionError, _locked_open

NOTICE_MAX = 2000  # a short text: what is proposed, not the reasons


@transaction.atomic
def tell_reporters(proposal: Proposal, *, by: User, text: str, ip: str | None = None) -> ReporterNotice:
    """Tell each report's reporter the proposed outcome (`text`, which must not say who else
    reported nor anything of the reported person's response); those who left an address are
    emailed that there is something to read (no content, no receipt code)."""
    proposal = _locked_open(proposal, by)
    case = proposal.case
    if case.erased_at is not None:
        raise DecisionError("__all__", _("This case was erased: nothing can be added to it."))
    text = text.strip()
    if not text:
        raise DecisionError("text", _("Write what the reporters are told is proposed."))
    if len(text) > NOTICE_MAX:
        raise DecisionError("text", _("Keep it short: at most %(max)s characters.") % {"max": NOTICE_MAX})
    if ReporterNotice.objects.filter(proposal=proposal).exists():
        raise DecisionError("__all__", _("The reporters were already told about this proposal."))
    reports = providers.reports().filed([case.pk])
    if not reports:
        raise DecisionError("__all__", _("This case has no report whose reporter could be told."))
    notice = ReporterNotice(proposal=proposal, told_by=by)
    notice.text = text
    notice.save(force_insert=True)
    emailed = providers.reports().notify_reporters(case.pk)
    cases.record_event(case, "reporters_told", by)
    audit.record(by, "decision.reporters_told", notice, ip=ip, detail={
        "case": case.pk, "proposal": proposal.pk, "reports": len(reports), "emailed": emailed})
    events.publish(ReportersTold(proposal=proposal.pk, case=case.pk, notice=notice.pk, reports=len(reports),
                                 by=by.pk))
    return notice


def notice_of(proposal: Proposal) -> ReporterNotice | None:
    """The notice of a proposal with its feedback, for the decision page (read under its audit)."""
    return (ReporterNotice.objects.filter(proposal=proposal).select_related("proposal__case__data_key", "told_by")
            .prefetch_related("feedback__notice__proposal__case__data_key").first())


def _open_notice(case_id: int) -> ReporterNotice | None:
    return (ReporterNotice.objects.filter(proposal__case_id=case_id, proposal__status=Proposal.Status.OPEN)
            .select_related("proposal__case__data_key").first())


class ProposalFeedbackForCases:
    """What the follow-up page may ask of a proposed outcome (`steward.cases.providers.proposal_feedback()`)."""

    def for_reporter(self, case_id: int, report_id: int) -> providers.ReporterProposal | None:
        notice = _open_notice(case_id)
        if notice is None or notice.proposal.case.erased_at is not None:
            return None
        mine = notice.feedback.filter(report=report_id).first()
        audit.record(None, "decision.reporter_notice_read", notice, detail={
            "case": case_id, "proposal": notice.proposal_id, "report": report_id})
        return providers.ReporterProposal(
            told_on=notice.told_at.date(), text=notice.text, may_give_feedback=mine is None,
            feedback_on=mine.given_at.date() if mine is not None else None,
            feedback=mine.body if mine is not None else "", agrees=mine.agrees if mine is not None else None)

    @transaction.atomic
    def give_feedback(self, case_id: int, report_id: int, body: str, agrees: bool | None) -> None:
        body = body.strip()
        if not body:
            raise DecisionError("feedback", _("Write your feedback."))
        # The case first, then the proposal: the order enacting locks them in, so the two wait in turn.
        case = Case.objects.select_for_update().get(pk=case_id)
        latest = (ReporterNotice.objects.filter(proposal__case_id=case_id).select_related("proposal__case__data_key")
                  .order_by("-told_at", "-pk").first())
        if latest is None:
            raise DecisionError("feedback", _("There is no proposed outcome to give feedback on."))
        proposal = Proposal.objects.select_for_update().get(pk=latest.proposal_id)
        if case.erased_at is not None:
            raise DecisionError("feedback", _("This report was erased: nothing can be added to it."))
        if proposal.status == Proposal.Status.ENACTED:
            raise DecisionError("feedback", _("The decision was already taken, so your feedback was not recorded. "
                                              "You can still write to us in the messages below."))
        if proposal.status == Proposal.Status.WITHDRAWN:
            raise DecisionError("feedback", _("The proposed outcome was withdrawn, so your feedback was not "
                                              "recorded. You can still write to us in the messages below."))
        if ReporterFeedback.objects.filter(notice=latest, report=report_id).exists():
            raise DecisionError("feedback", _("You already gave your feedback on this proposed outcome."))
        feedback = ReporterFeedback(notice=latest, report=report_id, agrees=agrees, given_at=timezone.now())
        feedback.body = body
        feedback.save(force_insert=True)
        cases.record_event(case, "reporter_feedback", None, agrees=agrees)
        audit.record(None, "decision.reporter_feedback", feedback, detail={
            "case": case_id, "proposal": proposal.pk, "report": report_id})
        events.publish(ReporterFeedbackGiven(proposal=proposal.pk, case=case_id, feedback=feedback.pk, agrees=agrees))
