"""Retention by outcome: the purge erases closed cases past their period, as the system;
a dry run changes nothing; ban cases stay while the ban lasts plus the configured years."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from steward.cases import services as cases
from steward.cases.models import Case, Status
from steward.core import scheduler
from steward.core.models import AuditEntry, ScheduledJob
from steward.decisions.models import Decision, Outcome
from steward.retention import purge
from tests.cases.helpers import snapshot

from .conftest import awaiting
from .helpers import decide

DAY = datetime.timedelta(days=1)


@pytest.fixture
def retention(settings):
    settings.STEWARD_RETENTION_NO_VIOLATION_DAYS = 180
    settings.STEWARD_RETENTION_RESOLVED_DAYS = 730
    settings.STEWARD_RETENTION_BAN_YEARS_AFTER = 3
    settings.STEWARD_RETENTION_UNDECIDED_CLOSED_DAYS = 365
    return settings


def closed_case(make, by, outcome=None, *, closed_days_ago, ban_days=None):
    """A case decided with `outcome` (or closed undecided), closed `closed_days_ago` days ago."""
    report, _ = make()
    case = awaiting(report.case)
    if outcome is not None:
        decide(case, by, outcome, days=ban_days)
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED,
                                           closed_at=timezone.now() - closed_days_ago * DAY)
    case.refresh_from_db()
    return case


@pytest.fixture
def make(file_report):
    from steward.reports.services import Account

    return lambda: file_report(accounts=[Account("github", "mallory")])


@pytest.mark.parametrize(("outcome", "kept_days"), [
    (Outcome.NO_VIOLATION, 180), ("correction", 730), ("warning", 730), (None, 365)])
def test_each_outcome_is_kept_for_its_period(retention, make, triager, outcome, kept_days,
                                             django_capture_on_commit_callbacks):
    young = closed_case(make, triager, outcome, closed_days_ago=kept_days - 1)
    old = closed_case(make, triager, outcome, closed_days_ago=kept_days + 1)
    with django_capture_on_commit_callbacks(execute=True):
        purged = purge.purge_expired()
    assert [p.reference for p in purged] == [old.reference]
    assert purged[0].outcomes == ([outcome] if outcome else [])
    assert Case.objects.get(pk=old.pk).erased_at is not None
    assert Case.objects.get(pk=young.pk).erased_at is None
    entry = AuditEntry.objects.filter(action="case.erase").get()
    assert entry.actor is None and entry.actor_kind == "system"
    assert entry.detail["reason"] == "retention"


def test_the_purge_acts_as_its_declared_system_actor(retention, make, triager, django_capture_on_commit_callbacks):
    old = closed_case(make, triager, Outcome.NO_VIOLATION, closed_days_ago=181)
    with django_capture_on_commit_callbacks(execute=True):
        purge.purge_expired()
    entry = AuditEntry.objects.get(action="case.erase", object_id=str(old.pk))
    assert (entry.actor, entry.actor_kind, entry.detail["job"]) == (None, "system", "retention purge")
    event = old.timeline.get(kind="erased")
    assert event.actor is None


def test_the_periods_come_from_settings(retention, make, triager):
    case = closed_case(make, triager, Outcome.NO_VIOLATION, closed_days_ago=40)
    assert purge.expired_cases() == []
    retention.STEWARD_RETENTION_NO_VIOLATION_DAYS = 30
    assert purge.expired_cases() == [case]


def test_a_temporary_ban_case_is_kept_while_the_ban_lasts_plus_the_years_after(retention, make, triager):
    case = closed_case(make, triager, "temporary_ban", closed_days_ago=10, ban_days=100)
    decision = Decision.objects.get(case=case)
    end = decision.ends_on
    keep = purge.keep_until(case)
    assert keep.date() == end.replace(year=end.year + 3) + DAY
    now = timezone.now()
    assert purge.expired_cases(now + 3 * 365 * DAY) == []  # the ban lasts 100 days; then three years
    assert purge.expired_cases(now + 100 * DAY + 3 * 366 * DAY + 2 * DAY) == [case]


def test_a_permanent_ban_case_is_kept_for_good_and_open_cases_are_never_purged(retention, make, triager):
    closed_case(make, triager, "permanent_ban", closed_days_ago=5000)
    report, _ = make()
    Case.objects.filter(pk=report.case_id).update(opened_at=timezone.now() - 5000 * DAY)
    assert purge.expired_cases(timezone.now() + 100 * 365 * DAY) == []


def test_the_most_lasting_decision_wins(retention, make, triager):
    case = closed_case(make, triager, Outcome.NO_VIOLATION, closed_days_ago=200)
    Decision.objects.create(case=case, outcome=Outcome.LEVEL, level_key="warning", reporter_summary_sealed=b"",
                            rationale_sealed=b"")
    assert purge.expired_cases() == []


def test_a_dry_run_changes_nothing_and_lists_references_and_outcomes(retention, make, triager):
    old = closed_case(make, triager, "warning", closed_days_ago=800)
    before = snapshot()
    out = StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert snapshot() == before
    assert out.getvalue().splitlines() == [f"Would erase {old.reference} (warning)", "Would erase 1 case(s)."]
    assert "mallory" not in out.getvalue() and "insulting" not in out.getvalue()


def test_the_command_erases_and_prints_what_it_erased(retention, make, triager):
    old = closed_case(make, triager, None, closed_days_ago=400)
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert out.getvalue().splitlines() == [f"Erased {old.reference} (no decision)", "Erased 1 case(s)."]
    assert Case.objects.get(pk=old.pk).erased_at is not None
    out = StringIO()
    call_command("purge_expired", stdout=out)  # a second run finds nothing left
    assert out.getvalue().splitlines() == ["Erased 0 case(s)."]


def test_a_case_erased_by_hand_meanwhile_is_skipped(retention, make, triager, decision_maker, monkeypatch):
    old = closed_case(make, triager, "warning", closed_days_ago=800)
    found = purge.expired_cases()
    from steward.retention.erasure import erase_case

    erase_case(old, by=decision_maker, reason="request")
    monkeypatch.setattr(purge, "expired_cases", lambda now=None: found)
    assert purge.purge_expired() == []


def test_orphaned_evidence_files_older_than_a_day_are_removed(retention, db):
    import os

    from steward.reports import uploads

    storage = uploads.storage()
    orphan = Path(storage.path(storage.save("0" * 32, ContentFile(b"sealed bytes"))))
    fresh = Path(storage.path(storage.save("1" * 32, ContentFile(b"an upload being saved"))))
    old = timezone.now().timestamp() - 2 * 86400
    os.utime(orphan, (old, old))
    assert purge.remove_orphan_files() == 1  # the reports app owns its files; the purge asks it to sweep
    assert not orphan.exists() and fresh.exists()


# --- scheduling --------------------------------------------------------------------


def test_the_purge_and_the_session_clean_up_are_daily_jobs_at_the_purge_hour(retention):
    daily = {job.name: job for job in scheduler.jobs() if job.at is not None}
    for name in ("retention.purge_expired_cases", "retention.clear_expired_sessions"):
        assert daily[name].at == datetime.time(retention.STEWARD_RETENTION_PURGE_HOUR)
        assert daily[name].exclusive


def test_the_scheduled_purge_erases_and_waits_for_the_next_day(retention, make, triager, django_capture_on_commit_callbacks):
    old = closed_case(make, triager, Outcome.NO_VIOLATION, closed_days_ago=200)
    now = timezone.now()
    ScheduledJob.objects.create(name="retention.purge_expired_cases", next_run_at=now - datetime.timedelta(hours=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert "retention.purge_expired_cases" in scheduler.run_due(now)
    assert Case.objects.get(pk=old.pk).erased_at is not None
    following = timezone.localtime(ScheduledJob.objects.get(name="retention.purge_expired_cases").next_run_at)
    assert now < following <= now + DAY
    assert following.hour == retention.STEWARD_RETENTION_PURGE_HOUR


def test_moving_a_case_closed_starts_its_clock(retention, make, triager):
    report, _ = make()
    case = cases.move_case(report.case, by=triager, to=Status.CLOSED)
    assert purge.keep_until(case) == case.closed_at + 365 * DAY
