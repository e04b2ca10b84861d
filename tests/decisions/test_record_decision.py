"""record_decision(): the ladder's rules, who may decide, and bad input that changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from steward.cases.models import Case, Status, TimelineEvent
from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.decisions import services
from steward.decisions.models import Ban, Decision, Outcome
from steward.registry import services as registry
from tests.cases.helpers import snapshot

from .conftest import reported_person
from .helpers import DEPARTURE, choice

TODAY = timezone.localdate


def _record(case, by, key="warning", **overrides):
    values = {**choice(key), "subject": reported_person(case), "ends_on": None, "departure_reason": DEPARTURE,
              "reporter_summary": "The reported person was warned.", "rationale": "Insults in the chat, first time."}
    values.update(overrides)
    return services.record_decision(case, by=by, **values)


def _unchanged(before):
    assert snapshot() == before
    assert Decision.objects.count() == 0


@pytest.mark.parametrize("key", ["correction", "warning", "permanent_ban"])
def test_a_decision_moves_the_case_to_decided_seals_the_texts_and_audits(reported_case, decision_maker, key):
    decision = _record(reported_case, decision_maker, key, ip="192.0.2.7")
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
    assert entry.detail == {
        "case": reported_case.pk, "outcome": key, "level": decision.level_id, "ban": decision.level.ban,
        "subject": decision.subject_id, "starts_on": TODAY().isoformat(), "ends_on": None, "recommended": "correction",
        "departed_from_recommendation": key != "correction"}
    assert DEPARTURE not in str(entry.detail)  # the reason itself is sealed, only the flag is audited
    assert TimelineEvent.objects.filter(case=reported_case, kind="decided").exists()
    # The level as it was is kept with the decision.
    assert (decision.outcome, decision.level_key, decision.level_name) == (Outcome.LEVEL, key, decision.level.name)
    assert decision.ladder_version == decision.level.ladder.version
    assert decision.restrictions["tool_access"] == decision.level.tool_access


def test_a_temporary_ban_keeps_its_end_date_and_is_active_until_then(reported_case, triager):
    until = TODAY() + datetime.timedelta(days=30)
    decision = _record(reported_case, triager, "temporary_ban", ends_on=until)
    assert decision.ends_on == until and decision.ban == Ban.TEMPORARY
    assert decision.is_active_ban()
    assert decision.is_active_ban(until)
    assert not decision.is_active_ban(until + datetime.timedelta(days=1))
    assert list(Decision.objects.active_bans()) == [decision]
    assert services.active_bans(decision.subject) == [decision]


def test_no_violation_needs_no_subject(reported_case, decision_maker):
    decision = _record(reported_case, decision_maker, Outcome.NO_VIOLATION, subject=None)
    assert decision.subject is None
    assert not decision.is_active_ban()


def test_a_temporary_ban_ends_by_default_after_the_levels_duration(reported_case, decision_maker):
    start = TODAY() + datetime.timedelta(days=3)
    decision = _record(reported_case, decision_maker, "temporary_ban", starts_on=start)
    assert decision.starts_on == start
    assert decision.ends_on == start + datetime.timedelta(days=decision.level.default_duration_days)
    assert not decision.is_active_ban()  # it has not started yet


def test_the_decision_keeps_its_scope(reported_case, decision_maker):
    from steward.cases.models import Space
    chat = Space.objects.create(name="Project chat", kind=Space.Kind.CHAT)
    decision = _record(reported_case, decision_maker, spaces=[chat], systems=["matrix", "github"],
                       conditions="Acknowledge the current guidelines.")
    assert list(decision.spaces.all()) == [chat]
    assert decision.systems == ["github", "matrix"]
    assert decision.conditions == "Acknowledge the current guidelines."
    assert b"Acknowledge" not in bytes(decision.conditions_sealed)


def test_an_unknown_person_outcome_and_a_flag_record_no_ban(reported_case, decision_maker):
    decision = _record(reported_case, decision_maker, Outcome.UNKNOWN_PERSON, subject=None)
    assert (decision.outcome, decision.ban, decision.level) == (Outcome.UNKNOWN_PERSON, Ban.NONE, None)
    assert decision.code == "unknown_person"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"key": Outcome.NO_VIOLATION, "outcome": "public_shaming"}, "choice",
     "Choose a level of the consequence ladder or one of the other outcomes."),
    ({"outcome": Outcome.LEVEL, "level": None}, "choice",
     "Choose either a level of the consequence ladder or another outcome."),
    ({"key": "temporary_ban", "ends_on": "today"}, "ends_on", "A temporary ban must end after the day it starts."),
    ({"key": "temporary_ban", "ends_on": "yesterday"}, "ends_on", "A temporary ban must end after the day it starts."),
    ({"key": "temporary_ban", "starts_on": "last year", "ends_on": "yesterday"}, "ends_on",
     "The end of a temporary ban must be a date in the future."),
    ({"key": "permanent_ban", "ends_on": "next month"}, "ends_on",
     "Only a temporary ban has an end date; leave it empty for this decision."),
    ({"key": "warning", "ends_on": "next month"}, "ends_on",
     "Only a temporary ban has an end date; leave it empty for this decision."),
    ({"key": Outcome.NO_VIOLATION, "ends_on": "next month", "subject": None}, "ends_on",
     "Only a temporary ban has an end date; leave it empty for this decision."),
    ({"key": "permanent_ban", "subject": None}, "subject", "Choose the person the ban applies to."),
    ({"key": "temporary_ban", "ends_on": "next month", "subject": None}, "subject",
     "Choose the person the ban applies to."),
    ({"key": Outcome.UNKNOWN_PERSON}, "subject", "The responsible person is unknown: leave the person empty."),
    ({"subject": "stranger"}, "subject", "The person must be one of the people involved in this case."),
    ({"systems": ["myspace"]}, "systems", "Unknown system: myspace."),
    ({"reporter_summary": "  "}, "reporter_summary", "Write the decision summary the reporter will see."),
    ({"rationale": ""}, "rationale", "Write the reasons for the decision."),
    ({"departure_reason": " "}, "departure_reason",
     "Steward recommended “Correction”: write why you chose otherwise."),
])
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(reported_case, decision_maker, overrides, field,
                                                                     message):
    dates = {"today": TODAY(), "yesterday": TODAY() - datetime.timedelta(days=1),
             "next month": TODAY() + datetime.timedelta(days=30), "last year": TODAY() - datetime.timedelta(days=365)}
    for name in ("ends_on", "starts_on"):
        if overrides.get(name) in dates:
            overrides[name] = dates[overrides[name]]
    if overrides.get("subject") == "stranger":
        overrides["subject"] = registry.identify("github", "someone-else")
    key = overrides.pop("key", "warning")
    before = snapshot()
    with pytest.raises(services.DecisionError) as error:
        _record(reported_case, decision_maker, key, **overrides)
    assert error.value.field == field
    assert str(error.value.message) == message
    _unchanged(before)


def test_a_level_of_another_ladder_version_is_refused_and_changes_nothing(reported_case, decision_maker,
                                                                         administrator):
    from steward.decisions import ladders
    draft = ladders.create_from_preset("covenant-3.0", by=administrator)
    other = draft.levels.get(key="warning")
    before = snapshot()
    with pytest.raises(services.DecisionError) as error:
        _record(reported_case, decision_maker, level=other)
    assert error.value.field == "choice"
    assert "another version of the consequence ladder" in str(error.value.message)
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
