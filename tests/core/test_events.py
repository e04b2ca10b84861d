"""Typed domain events: subscribed to by class, published inside the action's transaction,
a handler's failure undoes the action, and an event nobody listens to changes nothing."""

from __future__ import annotations

import datetime
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, fields

import pytest
from django.db import transaction

from steward.cases import conflicts, staffing
from steward.cases.events import CasesMerged, ReportSplitOff
from steward.core import events
from steward.core.models import AuditEntry
from steward.registry import services as registry
from steward.registry.events import StaffAccountLinked
from steward.registry.models import StaffAccount
from steward.reports import services as report_services
from steward.staff.events import StaffOffboarding, StaffRolesChanged


@dataclass(frozen=True)
class Pinged(events.Event[str]):
    """An event of these tests only."""

    case: int


@dataclass(frozen=True)
class NobodyListens(events.Event[None]):
    case: int


@pytest.fixture
def subscribed() -> Iterator[list[tuple[type, object]]]:
    """Subscribe handlers for one test; they are removed afterwards."""
    added: list[tuple[type, object]] = []
    yield added
    for event_type, handler in added:
        events.unsubscribe(event_type, handler)  # type: ignore[arg-type]


def test_handlers_of_the_class_run_in_order_and_return_their_results(db, subscribed):
    seen: list[int] = []

    def first(event: Pinged) -> str:
        seen.append(event.case)
        return "first"

    def second(event: Pinged) -> str:
        return f"second {event.case}"

    for handler in (first, second, first):  # subscribing twice is once
        events.subscribe(Pinged, handler)
    subscribed.extend([(Pinged, first), (Pinged, second)])
    with transaction.atomic():
        assert events.publish(Pinged(case=7)) == ["first", "second 7"]
        assert events.publish(NobodyListens(case=7)) == []  # another class: not these handlers
    assert seen == [7]


def test_an_event_nobody_subscribed_to_is_a_no_op(db):
    before = AuditEntry.objects.count()
    with transaction.atomic():
        assert events.publish(NobodyListens(case=1)) == []
    assert AuditEntry.objects.count() == before


def test_only_event_classes_can_be_subscribed_to_or_published(db):
    with pytest.raises(TypeError):
        events.subscribe("staff.offboarding", lambda **_: None)  # type: ignore[type-var]
    with pytest.raises(TypeError):
        events.subscribe(events.Event, lambda event: None)  # the base class is no dataclass, no event
    with transaction.atomic(), pytest.raises(TypeError):
        events.publish("case.merged")  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused():
    """Outside a transaction a failing handler could not undo what the action had written."""
    with pytest.raises(RuntimeError, match="inside the transaction"):
        events.publish(NobodyListens(case=1))


def test_a_failing_handler_rolls_the_whole_action_back(triager, subscribed):
    """Linking an account publishes StaffAccountLinked; a subscriber that fails undoes the link and its audit entry."""

    def refuse(event: StaffAccountLinked) -> None:
        assert StaffAccount.objects.filter(pk=event.account).exists()  # published after the write, in its transaction
        raise RuntimeError("subscriber failed")

    events.subscribe(StaffAccountLinked, refuse)
    subscribed.append((StaffAccountLinked, refuse))
    audited = AuditEntry.objects.count()
    with pytest.raises(RuntimeError, match="subscriber failed"):
        registry.link_staff_account(triager, system="github", handle="tara-gh")
    assert not StaffAccount.objects.filter(user=triager).exists()
    assert AuditEntry.objects.count() == audited


def test_the_apps_above_subscribe_at_start_up():
    assert conflicts.account_linked in events.subscribers(StaffAccountLinked)
    assert staffing.hand_on_work in events.subscribers(StaffOffboarding)
    assert staffing.roles_changed in events.subscribers(StaffRolesChanged)
    assert report_services.follow_merge in events.subscribers(CasesMerged)
    assert report_services.follow_split in events.subscribers(ReportSplitOff)


# What a payload may hold: identifiers and choices, never content (an event may be logged or queued).
_PAYLOAD_TYPES = {int, str, bool, type(None), datetime.date, tuple[int, ...], tuple[str, ...]}


def _all_events(base: type = events.Event) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | _all_events(sub)
    return found


def test_every_domain_event_is_a_frozen_dataclass_of_identifiers_and_choices():
    steward_events = {cls for cls in _all_events() if cls.__module__.startswith("steward.")}
    assert {StaffOffboarding, StaffRolesChanged, StaffAccountLinked, CasesMerged, ReportSplitOff} <= steward_events
    for cls in steward_events:
        assert cls.__module__.endswith(".events"), f"{cls.__name__} is declared outside its app's events.py"
        assert cls.__dataclass_params__.frozen, f"{cls.__name__} is not frozen"  # type: ignore[attr-defined]
        hints = typing.get_type_hints(cls)
        for field in fields(cls):
            kind = hints[field.name]
            parts = set(typing.get_args(kind)) if isinstance(kind, types.UnionType) else {kind}
            assert parts <= _PAYLOAD_TYPES, f"{cls.__name__}.{field.name}: {kind} is not an identifier or a choice"
