"""record_decision(): the ladder's rules, who may decide, and bad input that changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from steward.cases.models import Case, Status, TimelineEvent
from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.decisions import services
from steward.decisions.models import Decision, Outcome
from steward.registry import services as registry
from tests.cases.helpers import snapshot

from .conftest import reported_person

TODAY = timezone.localdate


def _record(case, by, **overrides):
    values = {"outcome": Outcome.WARNING, "subject": reported_person(case), "ban_until": None,
              "reporter_summary": "The reported person was warned.", "rationale": "Insults in the chat, first time."}
    values.update(overrides)
    return services.record_decision(case, by=by, **values)


def _unchanged(before):
    assert snapshot() == before
    assert Decision.objects.count() == 0


@pytest.mark.parametrize("outcome", [Outcome.CORRECTION, Outcome.WARNING, Outcome.PERMANENT_BAN])
def test_a_decision_moves_the_case_to_decided_seals_the_texts_and_audits(reported_case, decision_maker, outcome):
    decision = _record(reported_case, decision_maker, outcome=outcome, ip="192.0.2.7")
    reported_case.refresh_from_db()
    assert reported_case.status == Status.DECIDED
    assert reported_case.decision_summary == "The reported person was warned."
    assert decision.reporter_summary == "The reported person was warned."
    assert decision.rationale == "Insults in the chat, first time."
    assert b"warned" not in bytes(decision.reporter_summary_sealed)
    assert b"Insults" not in bytes(decision.rationale_sealed)
    assert decision.decided_by == decision_maker
    assert decision.subject == reported_person(reported_case)
    entry = AuditEntry.objects.filter(action="decision.record").get()
    assert entry.actor == decision_maker and entry.ip == "192.0.2.7"
    assert entry.detail == {"case": reported_case.pk, "outcome": outcome, "subject": decision.subject_id, "ban_until": None}
    assert TimelineEvent.objects.filter(case=reported_case, kind="decided").exists()


def test_a_temporary_ban_keeps_its_end_date_and_is_active_until_then(reported_case, triager):
    until = TODAY() + datetime.timedelta(days=30)
    decision = _record(reported_case, triager, outcome=Outcome.TEMPORARY_BAN, ban_until=until)
    assert decision.ban_until == until
    assert decision.is_active_ban()
    assert decision.is_active_ban(until)
    assert not decision.is_active_ban(until + datetime.timedelta(days=1))
    assert list(Decision.objects.active_bans()) == [decision]
    assert services.active_bans(decision.subject) == [decision]


def test_no_violation_needs_no_subject(reported_case, decision_maker):
    decision = _record(reported_case, decision_maker, outcome=Outcome.NO_VIOLATION, subject=None)
    assert decision.subject is None
    assert not decision.is_active_ban()


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"outcome": "public_shaming"}, "outcome", "Choose an outcome from the consequence ladder."),
    ({"outcome": Outcome.TEMPORARY_BAN}, "ban_until", "A temporary ban needs the date it ends."),
    ({"outcome": Outcome.TEMPORARY_BAN, "ban_until": "today"}, "ban_until",
     "The end of a temporary ban must be a date in the future."),
    ({"outcome": Outcome.TEMPORARY_BAN, "ban_until": "yesterday"}, "ban_until",
     "The end of a temporary ban must be a date in the future."),
    ({"outcome": Outcome.PERMANENT_BAN, "ban_until": "next month"}, "ban_until",
     "Only a temporary ban has an end date; leave it empty for this outcome."),
    ({"outcome": Outcome.WARNING, "ban_until": "next month"}, "ban_until",
     "Only a temporary ban has an end date; leave it empty for this outcome."),
    ({"outcome": Outcome.PERMANENT_BAN, "subject": None}, "subject", "Choose the person the ban applies to."),
    ({"outcome": Outcome.TEMPORARY_BAN, "ban_until": "next month", "subject": None}, "subject",
     "Choose the person the ban applies to."),
    ({"subject": "stranger"}, "subject", "The person must be one of the people involved in this case."),
    ({"reporter_summary": "  "}, "reporter_summary", "Write the decision summary the reporter will see."),
    ({"rationale": ""}, "rationale", "Write the reasons for the decision."),
])
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(reported_case, decision_maker, overrides, field,
                                                                     message):
    dates = {"today": TODAY(), "yesterday": TODAY() - datetime.timedelta(days=1),
             "next month": TODAY() + datetime.timedelta(days=30)}
    if overrides.get("ban_until") in dates:
        overrides["ban_until"] = dates[overrides["ban_until"]]
    if overrides.get("subject") == "stranger":
        overrides["subject"] = registry.identify("github", "someone-else")
    before = snapshot()
    with pytest.raises(services.DecisionError) as error:
        _record(reported_case, decision_maker, **overrides)
    assert error.value.field == field
    assert str(error.value.message) == message
    _unchanged(before)


@pytest.mark.parametrize("status", [Status.NEW, Status.TRIAGED, Status.INVESTIGATING, Status.DECIDED, Status.CLOSED])
def test_only_a_case_awaiting_a_decision_can_be_decided(reported_case, triager, status):
    Case.objects.filter(pk=reported_case.pk).update(status=status)
    before = snapshot()
    with pytest.raises(services.DecisionError, match="Only a case awaiting a decision"):
        _record(reported_case, triager)
    _unchanged(before)


def test_case_handlers_administrators_and_outsiders_may_not_decide(reported_case, handler, unrelated, administrator):
    Case.objects.filter(pk=reported_case.pk).update(assignee=handler)
    reported_case.refresh_from_db()
    before = snapshot()
    for user in (handler, unrelated, administrator):
        with pytest.raises(Denied):
            _record(reported_case, user)
    _unchanged(before)


def test_a_failure_after_the_move_leaves_the_case_undecided(reported_case, decision_maker, monkeypatch):
    """The move to "decided" and the decision are one transaction."""
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        _record(reported_case, decision_maker)
    _unchanged(before)
