"""The staff queue with a realistic mix of cases: most urgent first, overdue ones marked.

Also produces the README's staff screenshots when STEWARD_SCREENSHOTS=1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect

from steward.cases import services as case_services
from steward.cases.models import Case, Priority, Space, Status
from steward.cases.triage import TriageAnswers
from steward.core.roles import Role
from steward.decisions import services as decision_services
from steward.reports import services as report_services
from steward.reports.models import Report
from steward.reports.services import Account
from steward.reports.uploads import CleanFile
from tests.conftest import PASSWORD, make_staff, png_bytes
from tests.decisions.helpers import level as ladder_level

from .helpers import docs_screenshot, screenshot, staff_sign_in, starter_guidelines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]  # C-00001 onwards

# narrative, space, priority (None: untriaged), status, assignee, days since opened, overdue, categories, title
CASES: list[tuple[str, str, str | None, str, str, int, bool, tuple[str, ...], str]] = [
    ("He said he knows where I live and posted a photo of my street.", "Matrix #general", "P1", "investigating", "hana", 0, False,
     ("threats-violence", "doxxing-privacy"), "Threat and home address posted in chat"),
    ("Alguien publicó mi dirección en el foro y me siguen escribiendo por privado.", "Community forum", "P1", "triaged", "omar", 1,
     True, ("doxxing-privacy", "unwelcome-contact"), "Address published on the forum, unwanted private messages"),
    ("A maintainer keeps closing my pull requests with insulting comments.", "steward/steward", None, "new", "", 0, False,
     ("personal-attacks",), ""),
    ("Jemand hat in der Mailingliste wiederholt abfällige Witze über Frauen gemacht.", "dev mailing list", None, "new", "", 2,
     True, ("discrimination", "harassment"), ""),
    ("تعرضت لتعليقات مسيئة عن ديني خلال مكالمة المجتمع الأسبوعية.", "Matrix #general", None, "new", "", 0, False,
     ("discrimination",), ""),
    ("A speaker at the sprint touched me after I asked him to stop.", "PyCon sprint 2026", "P2", "investigating", "hana", 3, False,
     ("sexual-misconduct", "unwelcome-contact"), "Unwanted touching at the sprint"),
    ("Un membre du comité de pilotage m'a humilié publiquement lors de la réunion.", "Community forum", "P2", "awaiting_decision",
     "omar", 9, False, ("personal-attacks",), "Public humiliation by a steering committee member"),
    ("Repeated sexual jokes in the release channel, ongoing since March.", "Matrix #general", "P2", "triaged", "hana", 2, True,
     ("harassment", "sexual-misconduct"), "Repeated sexual jokes in the release channel"),
    ("A reviewer mocks newcomers' English in code review.", "steward/steward", "P2", "investigating", "tara", 5, False,
     ("discrimination", "personal-attacks"), "Newcomers mocked in code review"),
    ("Someone used a slur in an issue title; it was edited later.", "steward/steward", "P3", "triaged", "", 4, False,
     ("discrimination",), "Slur in an issue title"),
    ("Off-topic spam with insults in three forum threads.", "Community forum", "P3", "investigating", "omar", 6, False,
     ("trolling-disruption",), "Insulting spam in forum threads"),
    ("Rude reply to my bug report telling me to 'learn to code'.", "steward/steward", "P3", "decided", "hana", 12, False,
     ("personal-attacks",), "Rude reply to a bug report"),
    ("Heated argument about tabs and spaces that got personal.", "dev mailing list", "P3", "triaged", "", 3, False,
     ("personal-attacks",), "Personal argument on the mailing list"),
    ("Someone called the project's logo ugly on social media.", "Community forum", "P4", "triaged", "", 7, False,
     ("other",), "Criticism of the logo"),
    ("A message in the wrong channel, no conduct issue.", "Matrix #general", "P4", "awaiting_decision", "tara", 10, False,
     ("other",), "Message in the wrong channel"),
]


def answers_for(priority: str) -> TriageAnswers:
    return TriageAnswers(danger=priority == "P1", ongoing=priority == "P2", staff_or_leader_involved=False, public=True,
                         pattern=False, legal_exposure=False, violation="no" if priority == "P4" else "yes")


def build_queue() -> tuple[User, Case]:
    starter_guidelines()  # the categories' names come from the guidelines, which browser tests empty after each test
    staff = {name: make_staff(name, role, first_name=first) for name, role, first in (
        ("tara", Role.TRIAGER, "Tara"), ("hana", Role.CASE_HANDLER, "Hana"), ("omar", Role.CASE_HANDLER, "Omar"))}
    spaces = {name: Space.objects.create(name=name, kind=kind) for name, kind in (
        ("steward/steward", Space.Kind.REPOSITORY), ("Community forum", Space.Kind.FORUM), ("Matrix #general", Space.Kind.CHAT),
        ("PyCon sprint 2026", Space.Kind.EVENT), ("dev mailing list", Space.Kind.MAILING_LIST))}
    tara, now = staff["tara"], timezone.now()
    showcase: Case | None = None
    for index, (narrative, space, priority, status, assignee, age, overdue, categories, title) in enumerate(CASES):
        intake = report_services.Intake(
            narrative=narrative, reporter_role=Report.ReporterRole.AFFECTED, submission_token=f"queue-{index}",
            space=spaces[space], ongoing=Report.Ongoing.YES if priority in {"P1", "P2"} else Report.Ongoing.NO,
            preferred_language="en", categories=list(categories))
        if index == 5:  # the case shown on its own page gets the details a real one would have
            intake.involved = "The speaker of the packaging talk, a long-time core developer."
            intake.witnesses = "Two other sprint attendees sat at the same table."
            intake.wishes = "I want him not to be at the next sprint, and I do not want him to know it was me."
            intake.accounts = [Account(system="github", handle="packaging-pete")]
            intake.files = [CleanFile(name="sprint-chat.png", content_type="image/png", data=png_bytes())]
        report, _ = report_services.submit_report(intake)
        case = report.case
        if title:
            case = case_services.set_case_title(case, by=tara, title=title)
        if priority:
            case = case_services.triage_case(case, by=tara, answers=answers_for(priority), priority=priority,
                                             reason="Confirmed after reading the report.")
        if assignee:
            case = case_services.assign_case(case, by=tara, assignee=staff[assignee])
        if status in {"investigating", "awaiting_decision", "decided"}:
            case = case_services.move_case(case, by=tara, to="investigating")
        if status in {"awaiting_decision", "decided"}:
            case = case_services.move_case(case, by=tara, to="awaiting_decision")
        if status == "decided":
            decision_services.record_decision(
                case, by=tara, level=ladder_level("warning"), rationale="Confirmed by two witnesses.",
                departure_reason="Two witnesses: more than a private correction.",
                reporter_summary="A formal warning was given to the person you reported.")
            case.refresh_from_db()
        opened = now - timedelta(days=age, hours=index)
        due = now - timedelta(hours=5 + index) if overdue else case.due_at
        Case.objects.filter(pk=case.pk).update(opened_at=opened, due_at=due)
        if index == 5:
            showcase = case
            report = Report.objects.get(pk=report.pk)  # with the case as it is now, assigned
            report_services.message_reporter(report, by=staff["hana"],
                                             body="Thank you for your report. Which day of the sprint was this?")
            report_services.reporter_reply(report, body="The second day, during the afternoon session.", files=[])
            case_services.add_note(report.case, by=staff["hana"], body="Spoke with one witness; her account matches the report.")
    assert showcase is not None
    return tara, showcase


def test_queue_orders_cases_by_priority_and_marks_overdue(new_context: Callable[..., BrowserContext], live_server: Any) -> None:
    tara, showcase = build_queue()
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    staff_sign_in(page, tara.username, PASSWORD)

    expect(page.get_by_text("15 cases", exact=True)).to_be_visible()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(15)
    shown = [text.strip() for text in rows.locator(".badge.prio").all_inner_texts()]
    order = {"P1": 0, "untriaged": 1, "P2": 2, "P3": 3, "P4": 4}
    assert [order[p] for p in shown] == sorted(order[p] for p in shown), shown
    expect(page.locator("table.queue tbody tr.overdue")).to_have_count(3)
    expect(page.locator("table.queue tbody tr.overdue .badge.overdue").first).to_have_text("overdue")
    # What each case is about: its title (or "Untitled") and the kinds of behaviour reported.
    threat = rows.filter(has_text="Threat and home address posted in chat")
    expect(threat).to_have_count(1)
    expect(threat.locator(".case-categories")).to_have_text("Threats or violence, Doxxing and privacy violations")
    expect(page.locator("table.queue .case-title.untitled")).to_have_count(3)
    expect(page.locator("table.queue tr.unread")).to_have_count(1)  # the reporter's answer nobody has read yet
    # Every column fits a 1280-px screen: neither the page nor the table scrolls sideways.
    overflow = page.evaluate("""() => {
        const wrap = document.querySelector('.table-wrap');
        return {page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                table: wrap.scrollWidth - wrap.clientWidth};
    }""")
    assert overflow == {"page": 0, "table": 0}, overflow
    last_header = page.locator("table.queue thead th").last.bounding_box()
    assert last_header is not None and last_header["x"] + last_header["width"] <= 1280
    expect(page.locator("table.queue time").first).to_contain_text("UTC")
    screenshot(page, "staff-queue-15")
    docs_screenshot(page, "queue")

    page.get_by_label("Priority").select_option(Priority.P2.value)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("4 cases", exact=True)).to_be_visible()
    page.get_by_label("Priority").select_option("")
    page.get_by_label("Status").select_option(Status.DECIDED.value)
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)

    page.goto(f"/staff/cases/{showcase.pk}/")
    expect(page.get_by_role("heading", name=showcase.reference)).to_be_visible()
    expect(page.locator(".evidence-preview")).to_have_count(1)
    # The preview loads lazily: bring it into view and wait for the browser to finish decoding it.
    preview = page.locator(".evidence-preview")
    preview.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.evidence-preview').complete")
    assert preview.evaluate("img => img.naturalWidth") == 8
    page.goto("/staff/cases/")
    expect(page.locator("table.queue tr.unread")).to_have_count(0)  # opening the case read the reporter's message
    page.goto(f"/staff/cases/{showcase.pk}/")
    expect(page.get_by_text("The second day, during the afternoon session.")).to_be_visible()
    expect(page.get_by_text("Spoke with one witness; her account matches the report.")).to_be_visible()
    expect(page.get_by_role("link", name="sprint-chat.png")).to_be_visible()
    screenshot(page, "staff-case-full")
    docs_screenshot(page, "case")

    untriaged = Case.objects.filter(status=Status.NEW).order_by("pk").first()
    assert untriaged is not None
    page.goto(f"/staff/cases/{untriaged.pk}/triage/")
    expect(page.get_by_text("A maintainer keeps closing my pull requests with insulting comments.")).to_be_visible()
    expect(page.locator("input[name=ongoing][value=no]")).to_be_checked()  # the reporter said it has stopped
    page.get_by_role("button", name="Propose a priority").click()
    expect(page.locator("input[name=priority]:checked")).to_have_count(0)  # not every question is answered yet
    screenshot(page, "staff-triage")
