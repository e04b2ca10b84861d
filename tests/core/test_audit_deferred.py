"""Entries recorded inside `audit.deferred()` are inserted together when the block ends."""

from __future__ import annotations

import pytest
from django.db import transaction

from steward.core import audit
from steward.core.models import AuditEntry


def test_deferred_entries_are_appended_in_order_at_the_end(db, case, triager):
    audit.record(triager, "case.view", case)
    before = AuditEntry.objects.count()
    with transaction.atomic(), audit.deferred():
        audit.record(None, "case.open", case, actor_kind="reporter")
        audit.record(triager, "case.note", case, ip="192.0.2.1")
        assert AuditEntry.objects.count() == before  # nothing written yet
    audit.sequence()
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.action for e in entries[-3:]] == ["case.view", "case.open", "case.note"]
    assert [e.seq for e in entries] == list(range(1, before + 3))
    assert entries[-1].ip == "192.0.2.1"
    assert entries[-2].actor_kind == "reporter"
    assert audit.verify() == []


def test_nested_blocks_append_once_with_the_outer_one(db, case, triager):
    before = AuditEntry.objects.count()
    with transaction.atomic(), audit.deferred():
        audit.record(triager, "case.view", case)
        with audit.deferred():
            audit.record(triager, "case.note", case)
        assert AuditEntry.objects.count() == before
    audit.sequence()
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[before:] == ["case.view", "case.note"]
    assert audit.verify() == []


def test_an_error_in_the_block_appends_nothing(db, case, triager):
    before = AuditEntry.objects.count()
    with pytest.raises(ValueError), transaction.atomic(), audit.deferred():
        audit.record(triager, "case.view", case)
        raise ValueError("the action failed")
    assert AuditEntry.objects.count() == before
    entry = audit.record(triager, "case.view", case)
    audit.sequence()  # the chain goes on where it was
    entry.refresh_from_db()
    assert entry.seq == before + 1
    assert audit.verify() == []


@pytest.mark.django_db(transaction=True)
def test_deferring_needs_a_transaction():
    with pytest.raises(RuntimeError), audit.deferred():
        pass
