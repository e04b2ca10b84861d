"""Cases never touch the reports app's rows: a merge or a split publishes an event and the
reports app moves its own reports; a case reads its reports through the provider reports registered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from steward.cases import providers, services
from steward.cases.events import CasesMerged, ReportSplitOff
from steward.core import events
from steward.reports.models import Report
from steward.reports.services import Account

from .helpers import snapshot


@pytest.fixture
def two_cases(file_report):
    one, _ = file_report(narrative="Insults in the chat.", accounts=[Account("github", "mallory")],
                         anonymous=False, contact_name="Rita", contact_email="rita@example.org")
    two, _ = file_report(narrative="The same person again in code review.")
    return one, two


@pytest.fixture
def heard() -> Iterator[list[object]]:
    """Every CasesMerged and ReportSplitOff published during the test, in order."""
    seen: list[object] = []
    handler = seen.append
    events.subscribe(CasesMerged, handler)
    events.subscribe(ReportSplitOff, handler)
    yield seen
    events.unsubscribe(CasesMerged, handler)
    events.unsubscribe(ReportSplitOff, handler)


@pytest.fixture
def refusing() -> Iterator[None]:
    def refuse(event: object) -> None:
        raise RuntimeError("a subscriber failed")

    events.subscribe(CasesMerged, refuse)
    events.subscribe(ReportSplitOff, refuse)
    yield
    events.unsubscribe(CasesMerged, refuse)
    events.unsubscribe(ReportSplitOff, refuse)


def test_a_merge_tells_the_apps_above_with_ids_only(two_cases, triager, heard):
    one, two = two_cases
    services.merge_cases(one.case, [two.case], by=triager)
    assert heard == [CasesMerged(target=one.case_id, sources=(two.case_id,), by=triager.pk)]
    assert set(Report.objects.filter(case=one.case_id).values_list("pk", flat=True)) == {one.pk, two.pk}


def test_a_split_tells_the_apps_above_and_the_report_moves(two_cases, triager, heard):
    one, two = two_cases
    services.merge_cases(one.case, [two.case], by=triager)
    new_case = services.split_report(one.case, report_id=two.pk, by=triager)
    assert heard[-1] == ReportSplitOff(source=one.case_id, target=new_case.pk, report=two.pk, by=triager.pk)
    assert Report.objects.get(pk=two.pk).case_id == new_case.pk


@pytest.mark.usefixtures("refusing")
def test_a_failing_subscriber_undoes_the_merge(two_cases, triager):
    one, two = two_cases
    before = snapshot()
    with pytest.raises(RuntimeError, match="a subscriber failed"):
        services.merge_cases(one.case, [two.case], by=triager)
    assert snapshot() == before


def test_a_failing_subscriber_undoes_the_split(two_cases, triager):
    one, two = two_cases
    services.merge_cases(one.case, [two.case], by=triager)
    before = snapshot()

    def refuse(event: ReportSplitOff) -> None:
        raise RuntimeError("a subscriber failed")

    events.subscribe(ReportSplitOff, refuse)
    try:
        with pytest.raises(RuntimeError, match="a subscriber failed"):
            services.split_report(one.case, report_id=two.pk, by=triager)
    finally:
        events.unsubscribe(ReportSplitOff, refuse)
    assert snapshot() == before


def test_the_provider_answers_with_facts_not_content(two_cases):
    one, two = two_cases
    filed = providers.reports().filed([one.case_id, two.case_id])
    assert [(f.pk, f.case, f.reference) for f in filed] == [(one.pk, one.case_id, one.reference),
                                                             (two.pk, two.case_id, two.reference)]
    assert filed[0].contact_email_index == one.contact_email_index != ""
    assert "Insults" not in repr(filed)
    assert providers.reports().case_of(two.pk) == two.case_id
    assert providers.reports().case_of(10**9) is None
