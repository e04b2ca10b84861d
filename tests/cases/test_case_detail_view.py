"""One case's page and the small forms on it: assign, notes, people, status."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from steward.cases import services
from steward.cases.messages import AssigneeNotice
from steward.cases.models import Case, Note, Party, Priority, Status, TimelineEvent
from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.registry.models import Identity
from steward.reports.services import Account
from tests.conftest import deliver_outbox, login, make_staff, queued

from .helpers import answers, set_status, snapshot


def url(case: Case, action: str = "") -> str:
    return f"/staff/cases/{case.pk}/{action + '/' if action else ''}"


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- reading ----------------------------------------------------------------------


def test_detail_shows_the_decrypted_narrative_notes_and_timeline(file_report, triager):
    report, _ = file_report(narrative="He called me names in the #general channel on Tuesday.",
                            witnesses="Two people in the channel", wishes="I want it to stop")
    case = report.case
    services.add_note(case, by=triager, body="Spoke with the moderators; logs kept.")
    services.triage_case(case, by=triager, answers=answers(), priority=Priority.P3, reason="")

    response = login(triager).get(url(case))
    assert response.status_code == 200
    page = response.content.decode()
    assert "He called me names in the #general channel on Tuesday." in page
    assert "Two people in the channel" in page
    assert "I want it to stop" in page
    assert "Spoke with the moderators; logs kept." in page
    assert "Case opened from a report received by web" in page
    assert "Triaged as P3 (proposed P3)" in page
    assert "Internal note added" in page
    assert report.reference in page
    assert response["Cache-Control"] == "no-store"


def test_viewing_a_case_is_audited(case, triager):
    login(triager).get(url(case), REMOTE_ADDR="198.51.100.4")
    entry = AuditEntry.objects.filter(action="case.view").get()
    assert entry.actor == triager
    assert entry.object_type == "case"
    assert entry.object_id == str(case.pk)
    assert entry.ip == "198.51.100.4"
    login(triager).get(url(case))
    assert AuditEntry.objects.filter(action="case.view").count() == 2


def test_the_assigned_handler_reads_the_case(assigned_case, handler):
    response = login(handler).get(url(assigned_case))
    assert response.status_code == 200
    can = response.context["can"]
    assert can["note"] and can["transition"] and can["message"]
    assert not can["assign"] and not can["triage"] and not can["merge"] and not can["split"]
    page = response.content.decode()
    assert f'action="{url(assigned_case, "notes")}"' in page
    assert f'action="{url(assigned_case, "assign")}"' not in page
    assert f'action="{url(assigned_case, "merge")}"' not in page


def test_the_triager_sees_every_tool(case, triager):
    response = login(triager).get(url(case))
    can = response.context["can"]
    # `can` names every action registered on cases; answering a consultation and reading the
    # access history belong to consultants and auditors, signing off a proposal and deciding an
    # appeal to decision makers, working a rollout to enforcers and decision makers.
    assert all(allowed for action, allowed in can.items()
               if action not in {"erase", "answer", "access_history", "sign_off", "decide_appeal", "view_rollout",
                                 "work_rollout"})
    assert not can["sign_off"] and not can["decide_appeal"]
    assert not can["erase"]  # erasing is for decision makers and administrators
    assert not can["answer"] and not can["access_history"]
    page = response.content.decode()
    for action in ("notes", "assign", "merge", "status", "parties", "triage"):
        assert url(case, action) in page


@pytest.mark.parametrize("who", ["unrelated", "administrator"])
def test_outsiders_cannot_read_the_case_and_leave_no_view_entry(case, request, who):
    user = request.getfixturevalue(who)
    response = login(user).get(url(case))
    assert response.status_code == 403
    assert "He kept sending me" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="case.view").exists()


def test_unknown_case_is_404(db, triager):
    assert login(triager).get("/staff/cases/424242/").status_code == 404


def test_only_allowed_moves_are_offered(case, triager):
    response = login(triager).get(url(case))
    assert response.context["allowed_moves"] == sorted(services.TRANSITIONS[Status.NEW])
    set_status(case, Status.CLOSED)
    response = login(triager).get(url(case))
    assert response.context["allowed_moves"] == [Status.REOPENED]


def test_a_merged_case_links_to_its_target(case, second_case, triager):
    services.merge_cases(case, [second_case], by=triager)
    page = login(triager).get(url(second_case)).content.decode()
    assert f'href="{url(case)}"' in page
    assert "Merged into" in page


# --- assigning --------------------------------------------------------------------


def test_assigning_a_handler_saves_notifies_and_audits(case, triager, handler):
    response = login(triager).post(url(case, "assign"), {"assignee": handler.pk})
    assert response.status_code == 302
    assert response["Location"] == url(case)
    assert flash(response) == ["Assignment saved."]
    case.refresh_from_db()
    assert case.assignee == handler
    assert queued(AssigneeNotice) == [AssigneeNotice(case=case.pk, reason="assigned")]
    event = TimelineEvent.objects.get(case=case, kind="assigned")
    assert event.data == {"assignee": "Hana"}
    assert AuditEntry.objects.get(action="case.assign").detail == {"assignee": handler.pk}
    # Now the handler can read it.
    assert login(handler).get(url(case)).status_code == 200


def test_unassigning(assigned_case, triager):
    before = len(queued(AssigneeNotice))
    response = login(triager).post(url(assigned_case, "assign"), {"assignee": ""})
    assert response.status_code == 302
    assigned_case.refresh_from_db()
    assert assigned_case.assignee is None
    assert TimelineEvent.objects.filter(case=assigned_case, kind="unassigned").exists()
    assert len(queued(AssigneeNotice)) == before


def test_the_assignment_email_names_no_case_detail(case, triager, handler, mailoutbox, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend", "OPTIONS": {}}}
    services.assign_case(case, by=triager, assignee=handler)
    deliver_outbox()
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [handler.email]
    assert case.reference in email.subject
    assert "He kept sending me" not in email.body


def test_staff_without_a_case_role_cannot_be_assigned(case, triager, administrator):
    no_role = make_staff("nora")
    before = snapshot()
    for user in (no_role, administrator):
        response = login(triager).post(url(case, "assign"), {"assignee": user.pk})
        assert response.status_code == 302
        assert flash(response) == ["Select a valid choice. That choice is not one of the available choices."]
    assert snapshot() == before
    with pytest.raises(DomainError, match="cannot be assigned cases"):
        services.assign_case(case, by=triager, assignee=no_role)
    assert snapshot() == before


def test_inactive_staff_cannot_be_assigned(case, triager, handler):
    handler.is_active = False
    handler.save()
    before = snapshot()
    response = login(triager).post(url(case, "assign"), {"assignee": handler.pk})
    assert "Select a valid choice" in flash(response)[0]
    assert snapshot() == before


def test_an_assigned_handler_cannot_reassign(assigned_case, handler, unrelated):
    before = snapshot()
    assert login(handler).post(url(assigned_case, "assign"), {"assignee": unrelated.pk}).status_code == 403
    assert snapshot() == before


# --- notes ------------------------------------------------------------------------


def test_adding_a_note(assigned_case, handler):
    response = login(handler).post(url(assigned_case, "notes"), {"body": "Called the reporter back."})
    assert response.status_code == 302
    assert flash(response) == ["Note added."]
    note = Note.objects.get(case=assigned_case)
    assert note.body == "Called the reporter back."
    assert note.author == handler
    assert b"Called the reporter" not in bytes(note.body_sealed)
    assert TimelineEvent.objects.filter(case=assigned_case, kind="note").exists()
    assert AuditEntry.objects.get(action="case.note").detail == {"note": note.pk}
    assert "Called the reporter back." in login(handler).get(url(assigned_case)).content.decode()


@pytest.mark.parametrize(("body", "message"), [
    ("", "This field is required."),
    ("   ", "This field is required."),
    ("x" * 20001, "Ensure this value has at most 20000 characters (it has 20001)."),
])
def test_bad_notes_are_refused_with_a_message(case, triager, body, message):
    before = snapshot()
    response = login(triager).post(url(case, "notes"), {"body": body})
    assert response.status_code == 302
    assert flash(response) == [message]
    assert snapshot() == before


def test_empty_note_is_refused_by_the_service_too(case, triager):
    with pytest.raises(DomainError, match="The note is empty"):
        services.add_note(case, by=triager, body=" \n ")
    assert not Note.objects.exists()


# --- people involved --------------------------------------------------------------


def test_recording_a_party(assigned_case, handler):
    response = login(handler).post(url(assigned_case, "parties"), {"role": "witness", "system": "github", "handle": "@carol"})
    assert response.status_code == 302
    assert flash(response) == ["Person recorded."]
    party = Party.objects.get(case=assigned_case)
    assert party.role == Party.Role.WITNESS
    identity = Identity.objects.get(person=party.person)
    assert (identity.system, identity.handle) == ("github", "carol")
    assert TimelineEvent.objects.get(case=assigned_case, kind="party_added").data == {"role": "Witness"}
    assert AuditEntry.objects.get(action="case.party").actor == handler
    page = login(handler).get(url(assigned_case)).content.decode()
    assert "<code>carol</code>" in page


def test_recording_the_same_party_twice_adds_nothing(case, triager):
    client = login(triager)
    client.post(url(case, "parties"), {"role": "reported", "system": "github", "handle": "dave"})
    before = snapshot()
    client.post(url(case, "parties"), {"role": "reported", "system": "github", "handle": "DAVE"})
    assert snapshot()["parties"] == before["parties"]
    assert Party.objects.filter(case=case).count() == 1


def test_intake_accounts_become_reported_parties(file_report, triager):
    report, _ = file_report(accounts=[Account("github", "alice"), Account("slack", "@al")])
    parties = Party.objects.filter(case=report.case)
    assert {p.role for p in parties} == {Party.Role.REPORTED}
    assert sorted(i.handle for p in parties for i in p.person.identities.all()) == ["al", "alice"]


@pytest.mark.parametrize(("data", "message"), [
    ({"role": "judge", "system": "github", "handle": "x"}, "Select a valid choice. judge is not one of the available choices."),
    ({"role": "witness", "system": "myspace", "handle": "x"}, "Select a valid choice. myspace is not one of the available choices."),
    ({"role": "witness", "system": "github", "handle": ""}, "This field is required."),
    ({"role": "witness", "system": "github", "handle": "x" * 201}, "Ensure this value has at most 200 characters (it has 201)."),
])
def test_bad_party_input_is_refused_with_a_message(case, triager, data, message):
    before = snapshot()
    response = login(triager).post(url(case, "parties"), data)
    assert response.status_code == 302
    assert flash(response) == [message]
    assert snapshot() == before


# --- status -----------------------------------------------------------------------


def test_moving_a_case_through_the_form(assigned_case, handler):
    set_status(assigned_case, Status.TRIAGED)
    response = login(handler).post(url(assigned_case, "status"), {"to": "investigating", "reason": "Collecting logs"})
    assert response.status_code == 302
    assert flash(response) == ["Status changed."]
    assigned_case.refresh_from_db()
    assert assigned_case.status == Status.INVESTIGATING


def test_the_status_form_does_not_decide(case, triager):
    """Deciding goes through the decision page (record_decision), never the status form."""
    set_status(case, Status.AWAITING_DECISION)
    before = snapshot()
    client = login(triager)
    response = client.post(url(case, "status"), {"to": "decided", "decision_summary": "Warning issued."})
    assert flash(response) == ["Select a valid choice. decided is not one of the available choices."]
    assert snapshot() == before
    page = client.get(url(case)).content.decode()
    assert '<option value="decided">' not in page
    assert f'href="/staff/cases/{case.pk}/decision/"' in page


@pytest.mark.parametrize(("data", "message"), [
    ({"to": "bogus"}, "Select a valid choice. bogus is not one of the available choices."),
    ({"to": ""}, "This field is required."),
    ({"to": "triaged"}, "Select a valid choice. triaged is not one of the available choices."),
    ({"to": "decided"}, "Select a valid choice. decided is not one of the available choices."),
    ({"to": "reopened"}, "A case that is “New” cannot move to “Reopened”."),
])
def test_bad_status_input_is_refused_with_a_message(case, triager, data, message):
    before = snapshot()
    response = login(triager).post(url(case, "status"), data)
    assert response.status_code == 302
    assert flash(response) == [message]
    assert snapshot() == before


def test_actions_answer_only_to_post(case, triager):
    client = login(triager)
    for action in ("assign", "status", "notes", "parties", "merge", "split"):
        assert client.get(url(case, action)).status_code == 405


def test_services_refuse_outsiders(case, unrelated):
    before = snapshot()
    with pytest.raises(Denied):
        services.add_note(case, by=unrelated, body="Sneaky")
    with pytest.raises(Denied):
        services.view_case(case, by=unrelated, ip=None)
    with pytest.raises(Denied):
        services.add_party(case, by=unrelated, system="github", handle="x", role="witness")
    assert snapshot() == before


def test_erasing_sits_in_a_danger_zone_at_the_bottom_away_from_the_decision(case, triager):
    decider = make_staff("dora", "decision_maker")
    set_status(case, Status.AWAITING_DECISION)
    services.add_note(case, by=triager, body="A note so the page has its lower sections.")

    page = login(decider).get(url(case)).content.decode()

    record = page.index(f'href="/staff/cases/{case.pk}/decision/"')
    erase = page.index(f'href="/staff/cases/{case.pk}/erase/"')
    zone = page.index('class="danger-zone"')
    decisions_end = page.index("</section>", record)
    assert record < decisions_end < zone < erase
    assert page.index('id="timeline-title"') < zone  # after everything else on the page
    assert page.count(f'href="/staff/cases/{case.pk}/erase/"') == 1


def test_staff_who_may_not_erase_see_no_danger_zone(case, triager):
    page = login(triager).get(url(case)).content.decode()
    assert "danger-zone" not in page and "/erase/" not in page
