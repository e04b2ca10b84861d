"""Propose → sign-off → enact in the browser, under a four-eyes policy: the proposer cannot enact
alone, a colleague signs off, the proposer enacts and the case page shows who signed off. The
reported person's response page, phone-sized and without JavaScript, is looked at too."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import BrowserContext, expect

from steward.cases.models import Case, Status
from steward.core.roles import Role
from steward.decisions.models import Decision, DecisionPolicy, Proposal
from steward.reports import services as report_services
from steward.reports.models import Report
from steward.reports.services import Account
from tests.conftest import PASSWORD, deliver_outbox, make_staff
from tests.decisions.helpers import current_ladder

from .helpers import fill_decision_message, screenshot, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def quorum_case() -> Case:
    report, _ = report_services.submit_report(report_services.Intake(
        narrative="Someone kept posting insults about me in the forum.", reporter_role=Report.ReporterRole.AFFECTED,
        submission_token="quorum-case", anonymous=False, contact_name="Rosa Reporter", contact_email="rosa@example.net",
        accounts=[Account("email", "mallory@example.org")]))
    Case.objects.filter(pk=report.case_id).update(status=Status.AWAITING_DECISION)
    return Case.objects.get(pk=report.case_id)


def test_a_ban_is_proposed_signed_off_by_a_colleague_and_enacted(
        new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    ladder = current_ladder()
    ada = make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    dora = make_staff("dora", Role.DECISION_MAKER, first_name="Dora")
    cleo = make_staff("cleo", Role.DECISION_MAKER, first_name="Cleo")
    case = quorum_case()
    ban = ladder.levels.get(key="temporary_ban")

    # The administrator sets four eyes from the temporary ban up.
    admin = new_context().new_page()
    staff_sign_in(admin, ada.username, PASSWORD)
    admin.goto("/staff/decision-policy/")
    admin.get_by_label("Four eyes from level position").fill(str(ban.position))
    admin.get_by_role("button", name="Save the decision policy").click()
    expect(admin.get_by_text("Decision policy saved.")).to_be_visible()
    screenshot(admin, "staff-decision-policy")
    assert DecisionPolicy.objects.get().four_eyes_from_position == ban.position

    # Dora proposes a temporary ban: it waits for sign-off.
    deciding = new_context().new_page()
    staff_sign_in(deciding, dora.username, PASSWORD)
    deciding.goto(f"/staff/cases/{case.pk}/decision/")
    deciding.get_by_role("radio", name="Temporary ban", exact=True).check()
    deciding.get_by_label("Person the decision applies to").select_option(index=1)
    deciding.get_by_label("Decision summary for the reporter").fill("The reported person is banned for a while.")
    deciding.get_by_label("Reasons (internal)").fill("Repeated insults in the forum.")
    deciding.get_by_label("Why you chose other than the recommendation (internal)").fill("Repeated, deliberate.")
    fill_decision_message(deciding)
    deciding.get_by_role("button", name="Record decision").click()
    expect(deciding.get_by_text("asks for sign-off before it is enacted")).to_be_visible()
    expect(deciding.locator("#proposal")).to_contain_text("0 of 1 approval(s)")
    deciding.get_by_role("button", name="Enact the decision").click()
    expect(deciding.get_by_text("1 approval(s) by other decision makers before this is enacted")).to_be_visible()
    assert not Decision.objects.exists()

    # Dora asks the reported person to respond.
    deciding.get_by_text("Ask the reported person to respond").click()
    deciding.get_by_label("What they are asked to respond to").fill("Posts in the forum in March were reported.")
    deciding.get_by_role("button", name="Send the request by email").click()
    expect(deciding.get_by_text("The request to respond was sent.")).to_be_visible()
    screenshot(deciding, "staff-proposal-waits-for-sign-off")

    # Cleo signs off.
    signing = new_context().new_page()
    staff_sign_in(signing, cleo.username, PASSWORD)
    signing.goto(f"/staff/cases/{case.pk}/decision/")
    signing.get_by_label("Sign off: approve the proposal").check()
    signing.get_by_label("Note (internal)").fill("Agreed.")
    signing.get_by_role("button", name="Record my vote").click()
    expect(signing.locator("#proposal")).to_contain_text("1 of 1 approval(s)")

    # The reported person answers through the link, on a phone, without JavaScript.
    deliver_outbox()
    path = re.search(r"(/l/respond/[^/\s]+/)", mail.outbox[-1].body)
    assert path is not None
    phone = new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False).new_page()
    phone.goto(path.group(1))
    expect(phone.get_by_text("Posts in the forum in March were reported.")).to_be_visible()
    assert "Rosa" not in phone.content() and "rosa@example.net" not in phone.content()
    screenshot(phone, "respond-page-phone")
    phone.get_by_label("Your response").fill("I was out of line and will stop.")
    phone.get_by_role("button", name="Send my response").click()
    expect(phone.get_by_text("Your response was received")).to_be_visible()

    # Dora enacts; the case page shows who signed off.
    deciding.goto(f"/staff/cases/{case.pk}/decision/")
    expect(deciding.locator("#proposal")).to_contain_text("I was out of line and will stop.")
    deciding.get_by_role("button", name="Enact the decision").click()
    expect(deciding.get_by_text("Decision recorded.")).to_be_visible()
    decisions = deciding.locator("section.decisions")
    expect(decisions).to_contain_text("cleo: signed off")
    screenshot(deciding, "staff-case-decision-signed-off")
    decision = Decision.objects.get()
    assert decision.decided_by == dora and decision.level_key == "temporary_ban"
    assert Proposal.objects.get().status == Proposal.Status.ENACTED

