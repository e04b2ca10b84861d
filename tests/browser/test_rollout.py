"""Enforcement in the browser: an administrator configures the Matrix connector (the token is
never shown again) with the moderators to tell; a ban is rolled out; an enforcer follows the
rollout page by system, sees the step the worker left to a person with its reason, and marks it
done by hand with a note. Also on a phone-sized screen."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from steward.core.roles import Role
from steward.decisions import decision_messages
from steward.enforcement import connectors, execution
from steward.enforcement.models import ActionStatus, ConnectorConfig, Kind, Rollout
from tests.conftest import PASSWORD, deliver_outbox, make_staff
from tests.decisions.helpers import current_ladder, decide
from tests.enforcement.conftest import POLICY_ROOM, ROOMS, SERVER, TOKEN, matrix_case
from tests.enforcement.fake_matrix import FakeMatrix

from .helpers import enter_authenticator_code, page_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USER = "@mallory:steward.test"
STEWARD = "@steward:steward.test"  # the account Steward acts with


@pytest.fixture(autouse=True)
def _shipped_data(transactional_db: Any) -> None:
    importlib.import_module("steward.cases.migrations.0007_consultation_rules").add_default_rules(apps, None)
    current_ladder()
    decision_messages.install_templates()


@pytest.fixture
def homeserver() -> Iterator[FakeMatrix]:
    members = {(room, user): "join" for room in (*ROOMS, POLICY_ROOM) for user in (USER, STEWARD)}
    fake = FakeMatrix(users={USER, STEWARD}, members=members, token=TOKEN)
    fake.fail_next(httpx.Response(200, json={"user_id": STEWARD}),
                   when=lambda request: request.url.path.endswith("/account/whoami"))
    with connectors.using_transport(fake.transport()):
        yield fake


def _sign_in(page: Page, username: str) -> None:
    page.goto("/staff/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    enter_authenticator_code(page)
    page.get_by_role("navigation").first.wait_for()


def test_a_ban_is_configured_rolled_out_and_finished_by_hand(page: Page, homeserver: FakeMatrix,
                                                             file_report: Any) -> None:
    make_staff("ada", Role.ADMINISTRATOR, first_name="Ada")
    _sign_in(page, "ada")
    page.goto("/staff/connectors/matrix/")
    page.get_by_label("Homeserver address").fill("http://matrix.test")
    page.get_by_label("Server name").fill(SERVER)
    page.get_by_label("Rooms").fill("\n".join(ROOMS))
    page.get_by_label("Policy room").fill(POLICY_ROOM)
    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_label("Moderators to tell").fill("mods@example.org\nnot an address")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Not an email address: not an address", exact=True)).to_be_visible()
    assert not ConnectorConfig.objects.exists()  # refused: nothing saved
    page.get_by_label("Access token").fill(TOKEN)  # a refused form never sends the token back
    page.get_by_label("Moderators to tell").fill("mods@example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Connector saved.")).to_be_visible()
    page.goto("/staff/connectors/matrix/")
    assert TOKEN not in page.content()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text(f"Connected as {STEWARD}")).to_be_visible()
    screenshot(page, "staff-connector-matrix")

    case = matrix_case(file_report, USER)
    decide(case, make_staff("dana", Role.DECISION_MAKER, first_name="Dana"), "temporary_ban", days=30)
    execution.work()  # no address is known for the person: telling them is left to a person
    rollout = Rollout.objects.get(case=case)
    tell = rollout.actions.get(kind=Kind.TELL_PERSON)
    assert tell.status == ActionStatus.NEEDS_HUMAN
    deliver_outbox()  # the moderators' email, queued once the bans were verified
    rollout.actions.filter(kind=Kind.TELL_MODERATORS).update(next_attempt_at=timezone.now())
    execution.work()
    assert rollout.actions.get(kind=Kind.TELL_MODERATORS).status == ActionStatus.DONE
    assert [message.to for message in mail.outbox] == [["mods@example.org"]]

    page.context.clear_cookies()
    make_staff("enzo", Role.ENFORCER, first_name="Enzo")
    _sign_in(page, "enzo")
    page.goto(f"/staff/cases/{case.pk}/rollout/")
    expect(page.get_by_role("heading", name="Matrix")).to_be_visible()
    expect(page.get_by_text(USER).first).to_be_visible()
    step = page.locator(f"#action-{tell.pk}")
    expect(step).to_contain_text("tell them yourself")
    step.get_by_label("What you did or checked").fill("Called Mallory and read the decision to them.")
    step.get_by_role("button", name="Mark done by hand").click()
    expect(page.get_by_text("Step marked as done.")).to_be_visible()
    expect(page.locator(f"#action-{tell.pk}")).to_contain_text("Done by enzo")
    expect(page.locator(f"#action-{tell.pk}")).to_contain_text("Called Mallory")
    expect(page.get_by_text("The email to the moderators was sent.")).to_be_visible()
    screenshot(page, "staff-rollout")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page_width(page) <= 390
    screenshot(page, "staff-rollout-phone")
