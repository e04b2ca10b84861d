"""The data migration: existing installs get the Contributor Covenant 2.1 ladder as current, and
every decision taken with the old fixed outcomes is mapped onto its levels, nothing lost."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from steward.decisions.models import Ban, Decision, Ladder, Outcome
from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

OLD = ["no_violation", "correction", "warning", "temporary_ban", "permanent_ban"]


def before():
    """Every app at its newest migration except decisions, just before the ladder, and the apps
    built on decisions' later migrations (enforcement), not yet migrated."""
    above = {"decisions", "enforcement"}
    return [node for node in latest() if node[0] not in above] + [("decisions", "0002_bind_rows"), ("enforcement", None)]


def test_old_decisions_map_onto_the_covenant_ladder(db):
    old = migrate(before())
    DataKey = old.get_model("core", "DataKey")
    Case = old.get_model("cases", "Case")
    OldDecision = old.get_model("decisions", "Decision")
    key = DataKey.objects.create(purpose="case")
    decided = timezone.now() - datetime.timedelta(days=10)
    ends = timezone.localdate() + datetime.timedelta(days=20)
    for outcome in OLD:
        case = Case.objects.create(due_at=timezone.now(), data_key=key, row_uuid=uuid.uuid4())
        OldDecision.objects.create(case=case, outcome=outcome, decided_at=decided, row_uuid=uuid.uuid4(),
                                   ban_until=ends if outcome == "temporary_ban" else None,
                                   reporter_summary_sealed=b"", rationale_sealed=b"")
    migrate(latest())

    ladder = Ladder.objects.get(status=Ladder.Status.CURRENT)
    assert ladder.preset == "covenant-2.1"
    by_old = {d.case_id: d for d in Decision.objects.select_related("level")}
    mapped = [by_old[pk] for pk in sorted(by_old)]
    assert [d.code for d in mapped] == OLD  # every decision reads as before
    assert mapped[0].outcome == Outcome.NO_VIOLATION and mapped[0].level is None
    for decision in mapped[1:]:
        assert decision.outcome == Outcome.LEVEL and decision.level.ladder == ladder
        assert decision.level_name == decision.level.name and decision.ladder_version == ladder.version
        assert decision.starts_on == timezone.localtime(decided).date()
    temporary, permanent = mapped[3], mapped[4]
    assert temporary.ban == Ban.TEMPORARY and temporary.ends_on == ends and temporary.is_active_ban()
    assert permanent.ban == Ban.PERMANENT and permanent.ends_on is None and permanent.is_active_ban()
    assert mapped[2].ban == Ban.NONE and mapped[2].restrictions["no_contact"] is True
