"""Appeals (decisions/appeals.py): the window, the reported person's link, the reporter's appeal
through cases.providers, routing to decision makers who took no part, each outcome, both sides told."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from steward.cases import providers
from steward.cases.models import CaseConflict, Status, TimelineEvent
from steward.core import events, links
from steward.core.access import Denied, Hidden
from steward.core.errors import DomainError
from steward.core.models import AuditEntry, UsedLink
from steward.core.roles import Role
from steward.decisions import appeals, services
from steward.decisions.events import AppealDecided, AppealFiled
from steward.decisions.messages import AppealDecidedNotice, AppealToDecide
from steward.decisions.models import Appeal, Decision, Outcome
from steward.reports.messages import ReporterNotice
from steward.reports.models import Message, Report
from steward.reports.services import Account
from tests.cases.helpers import snapshot
from tests.conftest import deliver_outbox, make_staff, queued

from .conftest import awaiting
from .helpers import decide, level

GROUNDS = "I was not in the chat that day; the account was used by someone else."


@pytest.fixture
def reviewer(db: Any) -> Any:
    """A second decision maker, who took no part in the decision."""
    return make_staff("rory", Role.DECISION_MAKER, first_name="Rory", email="rory@example.org")


@pytest.fixture
def banned(file_report: Any, decision_maker: Any) -> Decision:
    """A 60-day temporary ban on a case whose reporter left an email address; the reported
    person is known by their email address."""
    report, _code = file_report(accounts=[Account("email", "mallory@example.net")], anonymous=False,
                                contact_email="rita@example.org", contact_name="Rita")
    return decide(awaiting(report.case), decision_maker, "temporary_ban", days=60,
                  summary="The person was banned for two months.")


def _token(decision: Decision) -> str:
    return links.issue(appeals.LINK_PURPOSE, decision.pk)


def _report_id(decision: Decision) -> int:
    return Report.objects.get(case=decision.case).pk


def _file_reported(decision: Decision) -> Appeal:
    return appeals.appeal_by_link(_token(decision), grounds=GROUNDS)


def test_the_window_runs_from_the_day_of_the_decision_for_the_configured_days(banned, settings):
    assert appeals.appeal_until(banned) == banned.decided_at.date() + datetime.timedelta(days=20)
    settings.STEWARD_APPEAL_DAYS = 5
    assert appeals.appeal_until(banned) == banned.decided_at.date() + datetime.timedelta(days=5)
    assert appeals.window_open(banned, banned.decided_at.date() + datetime.timedelta(days=5))
    assert not appeals.window_open(banned, banned.decided_at.date() + datetime.timedelta(days=6))


def test_the_reported_person_appeals_through_their_link_once(banned, decision_maker, reviewer):
    seen: list[Any] = []
    events.subscribe(AppealFiled, seen.append)
    try:
        appeal = _file_reported(banned)
    finally:
        events.unsubscribe(AppealFiled, seen.append)
    assert (appeal.appellant, appeal.status, appeal.decision) == (Appeal.Appellant.REPORTED, Appeal.Status.OPEN, banned)
    assert appeal.grounds == GROUNDS and b"chat" not in bytes(appeal.grounds_sealed)
    assert seen == [AppealFiled(appeal=appeal.pk, decision=banned.pk, case=banned.case_id, appellant="reported")]
    assert TimelineEvent.objects.filter(case=banned.case, kind="appeal_filed").exists()
    assert AuditEntry.objects.filter(action="appeal.file", actor_kind="reported").exists()
    # The decision makers it goes to are told (the one who decided is not among them).
    assert queued(AppealToDecide) == [AppealToDecide(appeal=appeal.pk)]
    deliver_outbox()
    staff_mail = [m for m in mail.outbox if "appeal" in m.subject.lower()]
    assert [m.to for m in staff_mail] == [["rory@example.org"]]
    assert GROUNDS not in staff_mail[0].body


def test_a_reused_link_is_refused_and_changes_nothing(banned):
    token = _token(banned)
    appeals.appeal_by_link(token, grounds=GROUNDS)
    before = snapshot()
    with pytest.raises(links.LinkRefused) as refused:
        appeals.appeal_by_link(token, grounds="Again.")
    assert refused.value.message == links.USED
    with pytest.raises(links.LinkRefused):
        appeals.link_decision(token)
    assert snapshot() == before and Appeal.objects.count() == 1


@pytest.mark.parametrize("change", ["tampered", "other_purpose", "truncated"])
def test_a_tampered_link_is_refused_and_changes_nothing(banned, change):
    token = {"tampered": _token(banned)[:-2] + "xx", "other_purpose": links.issue("respond", banned.pk),
             "truncated": _token(banned)[:10]}[change]
    before = snapshot()
    with pytest.raises(links.LinkRefused) as refused:
        appeals.appeal_by_link(token, grounds=GROUNDS)
    assert refused.value.message == links.TAMPERED
    assert snapshot() == before and not Appeal.objects.exists() and not UsedLink.objects.exists()


def test_an_expired_link_is_refused(banned, monkeypatch):
    token = _token(banned)
    monkeypatch.setattr(appeals, "link_max_age", lambda: -1)
    with pytest.raises(links.LinkRefused) as refused:
        appeals.appeal_by_link(token, grounds=GROUNDS)
    assert refused.value.message == links.EXPIRED
    assert not Appeal.objects.exists()


def test_an_appeal_after_the_window_is_refused_and_the_link_stays_unused(banned):
    Decision.objects.filter(pk=banned.pk).update(decided_at=timezone.now() - datetime.timedelta(days=21))
    before = snapshot()
    with pytest.raises(appeals.AppealError, match="time to appeal this decision ended"):
        appeals.appeal_by_link(_token(banned), grounds=GROUNDS)
    with pytest.raises(DomainError, match="time to appeal"):
        providers.appeals().appeal_as_reporter(banned.case_id, _report_id(banned), GROUNDS)
    assert snapshot() == before and not UsedLink.objects.exists()


def test_empty_grounds_are_refused_and_leave_the_link_usable(banned):
    with pytest.raises(appeals.AppealError) as refused:
        appeals.appeal_by_link(_token(banned), grounds="   ")
    assert refused.value.field == "grounds"
    assert not UsedLink.objects.exists() and not Appeal.objects.exists()


def test_the_reporter_appeals_through_cases_once_and_sees_its_state(banned):
    report = _report_id(banned)
    state = providers.appeals().for_reporter(banned.case_id, report)
    assert state is not None and state.may_appeal and state.appeal_until == appeals.appeal_until(banned)
    providers.appeals().appeal_as_reporter(banned.case_id, report, GROUNDS)
    appeal = Appeal.objects.get()
    assert (appeal.appellant, appeal.report) == (Appeal.Appellant.REPORTER, report)
    state = providers.appeals().for_reporter(banned.case_id, report)
    assert state is not None and not state.may_appeal and state.under_review and state.appealed_on
    with pytest.raises(DomainError, match="already appealed"):
        providers.appeals().appeal_as_reporter(banned.case_id, report, GROUNDS)
    assert Appeal.objects.count() == 1


def test_the_appeal_goes_to_decision_makers_who_took_no_part_and_have_no_conflict(banned, decision_maker, reviewer,
                                                                                     triager):
    conflicted = make_staff("cleo", Role.DECISION_MAKER)
    CaseConflict.objects.create(case=banned.case, user=conflicted, source=CaseConflict.Source.DECLARED)
    appeal = _file_reported(banned)
    assert appeals.deciders(appeal) == [reviewer]
    assert appeals.open_for(reviewer) == [appeal]
    assert appeals.open_for(decision_maker) == [] and appeals.open_for(conflicted) == []
    before = snapshot()
    with pytest.raises(appeals.AppealError, match="took part in this decision"):
        appeals.decide_appeal(appeal, by=decision_maker, outcome="upheld", reasons="Fine.", reporter_message="Upheld.")
    with pytest.raises(Hidden):
        appeals.decide_appeal(appeal, by=conflicted, outcome="upheld", reasons="Fine.", reporter_message="Upheld.")
    with pytest.raises(Denied):  # a triager decides cases, not their appeals
        appeals.decide_appeal(appeal, by=triager, outcome="upheld", reasons="Fine.", reporter_message="Upheld.")
    with pytest.raises(Denied):
        appeals.open_for(triager)
    assert snapshot() == before
    assert Appeal.objects.get().status == Appeal.Status.OPEN


def test_the_involved_decision_maker_cannot_replace_the_decision_directly(banned, decision_maker):
    _file_reported(banned)
    with pytest.raises(services.DecisionError, match="took part"):
        services.record_decision(banned.case, by=decision_maker, level=level("warning"), subject=banned.subject,
                                 reporter_summary="Warned.", rationale="Less.", departure_reason="Less.",
                                 replaces=banned)
    assert Decision.objects.count() == 1


def _told(decision: Decision, text: str) -> None:
    """Both sides were told: the reporter on their thread (and the notice email), the person by email."""
    message = Message.objects.get(direction=Message.Direction.TO_REPORTER)
    assert message.body == text
    assert queued(ReporterNotice)
    assert len(queued(AppealDecidedNotice)) == 1
    mail.outbox.clear()
    deliver_outbox()
    to_person = [m for m in mail.outbox if m.to == ["mallory@example.net"]]
    assert len(to_person) == 1
    assert "rita" not in to_person[0].body.lower() and GROUNDS not in to_person[0].body
    assert [m for m in mail.outbox if m.to == ["rita@example.org"]]  # the reporter's notice, without content
    assert text not in "".join(m.body for m in mail.outbox)


def test_upheld_the_decision_stays_and_both_sides_are_told(banned, reviewer):
    appeal = _file_reported(banned)
    seen: list[Any] = []
    events.subscribe(AppealDecided, seen.append)
    try:
        decided = appeals.decide_appeal(appeal, by=reviewer, outcome="upheld", reasons="The logs show it was them.",
                                        reporter_message="The decision was reviewed and stays.", ip="192.0.2.9")
    finally:
        events.unsubscribe(AppealDecided, seen.append)
    assert (decided.status, decided.decided_by, decided.reasons) == ("upheld", reviewer, "The logs show it was them.")
    assert seen == [AppealDecided(appeal=appeal.pk, decision=banned.pk, case=banned.case_id, outcome="upheld",
                                  new_decision=None, by=reviewer.pk)]
    banned.refresh_from_db()
    assert banned.set_aside_at is None and banned.is_active_ban()
    banned.case.refresh_from_db()
    assert banned.case.decision_summary == "The person was banned for two months."
    assert AuditEntry.objects.filter(action="appeal.decide", actor=reviewer, ip="192.0.2.9").exists()
    _told(banned, "The decision was reviewed and stays.")
    assert "stays as it was" in next(m for m in mail.outbox if m.to == ["mallory@example.net"]).body
    with pytest.raises(appeals.AppealError, match="already decided"):
        appeals.decide_appeal(appeal, by=reviewer, outcome="reversed", reasons="x", reporter_message="x")


def test_changed_a_new_decision_replaces_the_original_whose_snapshot_stays(banned, reviewer):
    appeal = _file_reported(banned)
    original = Decision.objects.values().get(pk=banned.pk)
    decided = appeals.decide_appeal(appeal, by=reviewer, outcome="changed", level=level("warning"),
                                    reasons="A first offence: a warning is enough.",
                                    reporter_message="On appeal the ban was reduced to a warning.")
    new = decided.new_decision
    assert new is not None and decided.status == "changed"
    assert (new.level_key, new.replaces, new.decided_by, new.subject) == ("warning", banned, reviewer, banned.subject)
    banned.refresh_from_db()
    assert banned.set_aside_at is not None and not banned.is_active_ban()
    assert {k: v for k, v in Decision.objects.values().get(pk=banned.pk).items() if k != "set_aside_at"} == {
        k: v for k, v in original.items() if k != "set_aside_at"}  # the original reads as it was decided
    assert list(Decision.objects.active_bans()) == []
    banned.case.refresh_from_db()
    assert banned.case.status == Status.DECIDED
    assert banned.case.decision_summary == "On appeal the ban was reduced to a warning."
    assert AuditEntry.objects.filter(action="decision.record", detail__replaces=banned.pk).exists()
    # The earlier decisions of the person count the new one, not the one set aside.
    assert services.history([banned.subject], by=reviewer) == [new]
    _told(banned, "On appeal the ban was reduced to a warning.")
    assert "Warning" in next(m for m in mail.outbox if m.to == ["mallory@example.net"]).body
    # A decision taken on appeal is final.
    with pytest.raises(appeals.AppealError, match="final"):
        appeals.link_decision(links.issue(appeals.LINK_PURPOSE, new.pk))


def test_changed_to_the_same_decision_is_refused(banned, reviewer):
    appeal = _file_reported(banned)
    before = snapshot()
    with pytest.raises(appeals.AppealError, match="uphold it"):
        appeals.decide_appeal(appeal, by=reviewer, outcome="changed", level=level("temporary_ban"),
                              reasons="Same.", reporter_message="Same.")
    with pytest.raises(appeals.AppealError) as refused:
        appeals.decide_appeal(appeal, by=reviewer, outcome="changed", reasons="None chosen.", reporter_message="x")
    assert refused.value.field == "choice"
    assert snapshot() == before and Decision.objects.count() == 1


def test_reversed_the_decision_no_longer_applies(banned, reviewer):
    report = _report_id(banned)
    providers.appeals().appeal_as_reporter(banned.case_id, report, "The ban is not enough.")
    _file_reported(banned)  # both sides appealed: decided together
    appeal = Appeal.objects.first()
    assert appeal is not None
    appeals.decide_appeal(appeal, by=reviewer, outcome="reversed", reasons="The account was someone else's.",
                          reporter_message="On appeal the decision was reversed.")
    assert set(Appeal.objects.values_list("status", flat=True)) == {"reversed"}
    banned.refresh_from_db()
    assert banned.set_aside_at is not None and not banned.is_active_ban()
    assert services.active_bans(banned.subject) == []
    state = providers.appeals().for_reporter(banned.case_id, report)
    assert state is None  # nothing in force is left to appeal
    banned.case.refresh_from_db()
    assert banned.case.decision_summary == "On appeal the decision was reversed."
    deliver_outbox()
    assert "reversed" in next(m for m in mail.outbox if m.to == ["mallory@example.net"]).body


def test_a_person_without_an_email_is_not_emailed(file_report, decision_maker, reviewer):
    report, _code = file_report(accounts=[Account("github", "mallory")])
    decision = decide(awaiting(report.case), decision_maker, "warning")
    appeal = _file_reported(decision)
    appeals.decide_appeal(appeal, by=reviewer, outcome="changed", other_outcome=Outcome.NO_VIOLATION,
                          reasons="No violation after all.", reporter_message="No violation was found on appeal.")
    assert queued(AppealDecidedNotice) == []
    assert Message.objects.filter(direction=Message.Direction.TO_REPORTER).count() == 1
