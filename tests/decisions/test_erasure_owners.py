"""Retention erases through the services of the apps that own the rows (reports, decisions, cases,
registry), in one transaction: each refuses an actor without the right to erase, and a failure in
any step leaves the case as it was."""

from __future__ import annotations

from typing import Any

import pytest

from steward.cases import services as cases
from steward.cases.models import Case, ErasureReason, Party
from steward.core import access
from steward.core.models import DataKey
from steward.decisions import services as decisions
from steward.decisions.models import Decision
from steward.registry import services as registry
from steward.registry.models import Person, ViolationRecord
from steward.reports import services as reports
from steward.reports.models import Evidence, Report
from steward.reports.services import Account
from steward.reports.uploads import CleanFile
from steward.retention.erasure import erase_case
from steward.retention.permissions import RetentionAction
from tests.cases.helpers import snapshot

from .conftest import awaiting
from .helpers import decide


def everything() -> dict[str, Any]:
    """What an erasure changes, beyond the case snapshot: keys, evidence, the decisions' subjects."""
    return {**snapshot(), "keys": list(DataKey.objects.order_by("pk").values_list("pk", "wrapped")),
            "evidence": list(Evidence.objects.order_by("pk").values_list("pk", "stored_name")),
            "decisions": list(Decision.objects.order_by("pk").values_list("pk", "subject_id")),
            "email_indexes": list(Report.objects.order_by("pk").values_list("contact_email_index", flat=True))}


@pytest.fixture
def decided_case(file_report, decision_maker):
    report, _code = file_report(narrative="Threats in the project chat.", accounts=[Account("github", "mallory")],
                                anonymous=False, contact_name="Rita", contact_email="rita@example.org",
                                files=[CleanFile(name="log.txt", content_type="text/plain", data=b"the log")])
    case = awaiting(report.case)
    decide(case, decision_maker, "warning")
    return Case.objects.select_related("data_key").get(pk=case.pk)


@pytest.mark.parametrize("step", [
    lambda case, by: reports.erase_reports(case, by=by, authority=RetentionAction.ERASE),
    lambda case, by: decisions.forget_subjects(case, by=by, authority=RetentionAction.ERASE),
    lambda case, by: cases.erase_case_data(case, by=by, authority=RetentionAction.ERASE, reason=ErasureReason.REQUEST),
], ids=["reports", "decisions", "cases"])
def test_each_owner_refuses_an_actor_who_may_not_erase(decided_case, triager, step):
    before = everything()
    with pytest.raises(access.Denied):
        step(decided_case, triager)
    assert everything() == before


def test_the_case_erasure_refuses_an_unknown_reason(decided_case, decision_maker):
    before = everything()
    with pytest.raises(Exception, match="Choose why"):
        cases.erase_case_data(decided_case, by=decision_maker, authority=RetentionAction.ERASE, reason="because")
    assert everything() == before


@pytest.mark.parametrize("failing", [
    (reports, "erase_reports"), (decisions, "forget_subjects"), (cases, "erase_case_data"),
    (registry, "forget_people")], ids=["reports", "decisions", "cases", "registry"])
def test_a_failure_in_any_step_leaves_the_case_as_it_was(decided_case, decision_maker, monkeypatch, failing):
    module, name = failing
    real = getattr(module, name)

    def run_then_fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise RuntimeError(f"{name} failed")

    monkeypatch.setattr(module, name, run_then_fail)
    before = everything()
    with pytest.raises(RuntimeError, match=f"{name} failed"):
        erase_case(decided_case, by=decision_maker, reason=ErasureReason.REQUEST)
    assert everything() == before
    assert Case.objects.get(pk=decided_case.pk).erased_at is None


def test_the_owners_each_erase_their_own_rows(decided_case, decision_maker, django_capture_on_commit_callbacks):
    person_ids = set(Party.objects.filter(case=decided_case).values_list("person_id", flat=True))
    subject = Decision.objects.get(case=decided_case).subject_id
    assert person_ids and subject in person_ids
    with django_capture_on_commit_callbacks(execute=True):
        erase_case(decided_case, by=decision_maker, reason=ErasureReason.REQUEST)
    report = Report.objects.select_related("data_key").get(case=decided_case)
    assert report.data_key.wrapped is None and report.contact_email_index == ""  # reports: keys and index
    assert not Evidence.objects.filter(report=report).exists()
    assert Decision.objects.get(case=decided_case).subject_id is None  # decisions: a warning keeps no one
    case = Case.objects.select_related("data_key").get(pk=decided_case.pk)
    assert case.data_key.wrapped is None and case.erased_at is not None  # cases: its key, its mark
    assert not Party.objects.filter(case=case).exists()
    # Registry: nobody refers to the others any more; the warning's violation record (no narrative) keeps its person
    # until it stops counting (registry.records.forget_expired).
    assert not Person.objects.filter(pk__in=person_ids - {subject}).exists()
    assert ViolationRecord.objects.get(person_id=subject).level_key == "warning"


def test_forgetting_people_keeps_anyone_still_referred_to(decided_case):
    party = Party.objects.filter(case=decided_case).first()
    assert party is not None
    assert registry.forget_people([party.person_id]) == 0  # still a party: the reference wins
    assert Person.objects.filter(pk=party.person_id).exists()
