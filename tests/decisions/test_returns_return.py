"""The end of a temporary ban: the daily job invites the person to onboarding before the end
(email with a single-use link), the return page records the acknowledgement of the current
guidelines, the end and the reinstatement are recorded, check-ins fall due for the handler."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from steward.cases import services as cases
from steward.cases.models import Case, TimelineEvent
from steward.core import events, links
from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.decisions import returns
from steward.decisions.events import (
    CheckInDone,
    DecisionEnded,
    OnboardingCompleted,
    PersonReinstated,
    ReturnInvited,
)
from steward.decisions.models import CheckIn, Return
from steward.decisions.return_messages import CheckInReminder, ReturnInvitation
from steward.policy import services as policy
from steward.registry import services as registry
from steward.registry.models import Identity
from tests.conftest import deliver_outbox, login, queued

from .conftest import reported_person
from .helpers import decide

DAY = datetime.timedelta(days=1)
KINDS = (ReturnInvited, OnboardingCompleted, DecisionEnded, PersonReinstated, CheckInDone)


@pytest.fixture
def published():
    seen: list[object] = []
    for kind in KINDS:
        events.subscribe(kind, seen.append)
    yield seen
    for kind in KINDS:
        events.unsubscribe(kind, seen.append)


def with_email(case: Case, address: str = "mallory@example.org") -> None:
    """The reported person also has an email identity: where the invitation goes."""
    other = registry.identify("email", address)
    Identity.objects.filter(person=other).update(person=reported_person(case))


@pytest.fixture
def banned(reported_case, decision_maker):
    """A 30-day temporary ban (its level requires onboarding); the case's handler is assigned."""
    with_email(reported_case)
    decision = decide(reported_case, decision_maker, "temporary_ban", days=30)
    Case.objects.filter(pk=reported_case.pk).update(assignee=decision_maker)
    return decision


def _link_from_email() -> str:
    deliver_outbox()
    (email,) = [m for m in mail.outbox if m.to == ["mallory@example.org"]]
    assert "temporary" not in email.subject.lower() and "mallory" not in email.subject
    return re.search(r"/l/return/([^/\s]+)/", email.body).group(1)


def test_the_invitation_goes_out_the_configured_days_before_the_end(banned, published, settings):
    settings.STEWARD_RETURN_INVITE_DAYS = 7
    ends_on = banned.ends_on
    assert returns.run_daily(ends_on - 8 * DAY)["invited"] == 0
    assert returns.run_daily(ends_on - 7 * DAY)["invited"] == 1
    assert returns.run_daily(ends_on - 6 * DAY)["invited"] == 0  # once
    invitation = Return.objects.get(decision=banned)
    assert invitation.onboarding_required and invitation.invited_at is not None
    assert [m.invitation for m in queued(ReturnInvitation)] == [invitation.pk]
    assert [type(e) for e in published] == [ReturnInvited]
    assert TimelineEvent.objects.filter(case=banned.case, kind="return_invited").exists()
    token = _link_from_email()
    assert links.peek(token, "return", max_age=3600).subject == invitation.pk


def test_acknowledging_then_the_end_reinstates_and_schedules_check_ins(banned, published, settings):
    settings.STEWARD_CHECK_IN_MONTHS = [1, 3]
    returns.run_daily(banned.ends_on - 7 * DAY)
    token = _link_from_email()
    version = str(policy.current_version().number)
    page = Client().get(f"/l/return/{token}/")
    assert page.status_code == 200 and version in page.text and "mallory" not in page.text
    assert page["Referrer-Policy"] == "no-referrer"
    refused = Client().post(f"/l/return/{token}/", {"version": version})
    assert refused.status_code == 400 and Return.objects.get().acknowledged_at is None
    done = Client().post(f"/l/return/{token}/", {"version": version, "read": "on"})
    assert done.status_code == 200 and "Thank you" in done.text
    invitation = Return.objects.get()
    assert invitation.acknowledged_version == version and invitation.reinstated_at is None  # the ban still runs
    assert AuditEntry.objects.filter(action="decision.return_acknowledge", actor_kind="reporter").exists()
    again = Client().get(f"/l/return/{token}/")
    assert again.status_code == 400 and "already" in again.text

    assert returns.run_daily(banned.ends_on)["ended"] == 0  # the last day of the ban
    assert returns.run_daily(banned.ends_on + DAY)["ended"] == 1
    invitation.refresh_from_db()
    assert invitation.ended_at is not None and invitation.reinstated_at is not None
    assert [type(e) for e in published] == [ReturnInvited, OnboardingCompleted, DecisionEnded, PersonReinstated]
    assert published[2].ended_on == banned.ends_on + DAY
    due = list(CheckIn.objects.order_by("months").values_list("months", "due_on"))
    assert due == [(1, returns.add_months(banned.ends_on + DAY, 1)), (3, returns.add_months(banned.ends_on + DAY, 3))]


def test_the_end_comes_first_then_onboarding_reinstates(banned, published):
    returns.run_daily(banned.ends_on - 7 * DAY)
    token = _link_from_email()
    returns.run_daily(banned.ends_on + DAY)
    assert Return.objects.get().reinstated_at is None  # waiting for onboarding
    returns.acknowledge(token, version=str(policy.current_version().number), language="en")
    assert Return.objects.get().reinstated_at is not None
    assert isinstance(published[-1], PersonReinstated)
    assert CheckIn.objects.count() == 2


def test_a_level_without_onboarding_reinstates_at_the_end_without_email(reported_case, decision_maker, published):
    with_email(reported_case)
    decision = decide(reported_case, decision_maker, "temporary_ban", days=10)
    # As decided with a level that needs no onboarding (the decision's snapshot is what counts).
    decision.restrictions = {**decision.restrictions, "onboarding_required": False}
    decision.save(update_fields=["restrictions"])
    returns.run_daily(decision.ends_on - 7 * DAY)
    assert not queued(ReturnInvitation)
    returns.run_daily(decision.ends_on + DAY)
    assert Return.objects.get().reinstated_at is not None
    assert [type(e) for e in published] == [DecisionEnded, PersonReinstated]


def test_a_tampered_expired_or_foreign_link_is_refused(banned, settings):
    returns.run_daily(banned.ends_on - 7 * DAY)
    invitation = Return.objects.get()
    assert Client().get("/l/return/not-a-token/").status_code == 400
    appeal = links.issue("appeal", invitation.pk)  # another purpose's link
    assert Client().get(f"/l/return/{appeal}/").status_code == 400
    settings.STEWARD_RETURN_LINK_DAYS = 0
    token = links.issue("return", invitation.pk)
    import time

    time.sleep(1.1)
    page = Client().get(f"/l/return/{token}/")
    assert page.status_code == 400 and "expired" in page.text


def test_guidelines_changed_meanwhile_asks_to_read_again(banned):
    returns.run_daily(banned.ends_on - 7 * DAY)
    token = links.issue("return", Return.objects.get().pk)
    page = Client().post(f"/l/return/{token}/", {"version": "0.9", "read": "on"})
    assert page.status_code == 400 and "updated" in page.text
    assert Return.objects.get().acknowledged_at is None


def test_check_in_reminders_go_to_the_handler_and_are_marked_done(banned, decision_maker, published):
    decision_maker.email = "dora@example.org"
    decision_maker.save()
    returns.run_daily(banned.ends_on - 7 * DAY)
    returns.acknowledge(_link_from_email(), version=str(policy.current_version().number), language="en")
    returns.run_daily(banned.ends_on + DAY)
    first = CheckIn.objects.get(months=1)
    assert returns.run_daily(first.due_on - DAY)["reminded"] == 0
    assert returns.run_daily(first.due_on)["reminded"] == 1
    assert [m.check_in for m in queued(CheckInReminder)] == [first.pk]
    mail.outbox.clear()
    deliver_outbox()
    (email,) = mail.outbox
    assert email.to == ["dora@example.org"] and banned.case.reference in email.subject

    client = login(decision_maker)
    case_page = client.get(reverse("cases:detail", args=[banned.case_id]))
    assert "Check-ins after the return" in case_page.text
    url = reverse("decisions:record_check_in", args=[first.pk])
    assert client.post(url, {"note": " "}).status_code == 400
    assert client.post(url, {"note": "Doing fine, contributing again."}).status_code == 302
    first.refresh_from_db()
    assert first.note == "Doing fine, contributing again." and first.done_by == decision_maker
    assert isinstance(published[-1], CheckInDone) and published[-1].months == 1
    with pytest.raises(returns.ReturnError, match="already"):
        returns.record_check_in(first, by=decision_maker, note="Again.")


def test_check_ins_are_recorded_by_the_handler_not_by_outsiders(banned, handler, unrelated):
    returns.run_daily(banned.ends_on - 7 * DAY)
    returns.acknowledge(_link_from_email(), version=str(policy.current_version().number), language="en")
    returns.run_daily(banned.ends_on + DAY)
    check_in = CheckIn.objects.get(months=1)
    for outsider in (unrelated, handler):  # the handler fixture is not this case's assignee
        with pytest.raises(Denied):
            returns.record_check_in(check_in, by=outsider, note="Nosy.")
    cases.assign_case(banned.case, by=_triager(), assignee=handler)
    assert returns.record_check_in(check_in, by=handler, note="Went well.").done_by == handler


def _triager():
    from steward.core.roles import Role
    from tests.conftest import make_staff

    return make_staff("tess", Role.TRIAGER)


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert returns.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert returns.add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)


def test_the_scheduler_runs_the_daily_job(banned, monkeypatch, settings):
    """The job as the worker runs it: registered daily, due once its time has come, acting on today."""
    from steward.core import scheduler
    from steward.core.models import ScheduledJob

    (job,) = [job for job in scheduler.jobs() if job.name == "decisions.returns"]
    assert job.function is returns.run_daily and job.at == datetime.time(settings.STEWARD_RETURNS_HOUR)
    monkeypatch.setattr(scheduler, "_jobs", {job.name: job})  # only this app's job
    settings.STEWARD_RETURN_INVITE_DAYS = 30  # the ban ends within the lead time today
    now = timezone.now()
    ScheduledJob.objects.create(name=job.name, next_run_at=now - datetime.timedelta(minutes=1))
    assert scheduler.run_due(now, by="worker-a") == ["decisions.returns"]
    assert scheduler.run_due(now, by="worker-b") == []
    assert Return.objects.filter(decision=banned).exists()
    assert ScheduledJob.objects.get(name=job.name).last_error == ""


def test_without_an_email_address_nobody_is_invited_and_the_case_page_says_so(reported_case, decision_maker):
    decision = decide(reported_case, decision_maker, "temporary_ban", days=30)
    returns.run_daily(decision.ends_on - 7 * DAY)
    invitation = Return.objects.get()
    assert invitation.onboarding_required and invitation.invited_at is None
    assert not queued(ReturnInvitation)
    page = login(decision_maker).get(reverse("cases:detail", args=[reported_case.pk]))
    assert "no email address is known" in page.text
