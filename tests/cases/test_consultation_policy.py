"""The decision-making policy: editable consultation rules, the case facts they read, the
consultations a case then requires, the scope that keeps the reporter's identity from HR, and the
email a consultant gets when asked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from steward.cases import consultation_rules, consultations, services
from steward.cases.messages import ConsultantAsked
from steward.cases.models import Case, Consultation, ConsultationRule, Party
from steward.core.access import Denied
from steward.core.errors import DomainError
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.registry import services as registry
from steward.reports.services import Account
from steward.staff import tokens
from tests.api.conftest import ApiClient
from tests.conftest import deliver_outbox, login, make_staff, queued

from .helpers import answers, triage_post

Condition = ConsultationRule.Condition
NOT_SAID = {condition: None for condition in Condition.values}


def api_as(owner: Any) -> ApiClient:
    """An API client with a `cases:read` token acting as `owner` (made by an administrator, collected by them)."""
    token, _secret = tokens.create_api_token(by=make_staff("adam", Role.ADMINISTRATOR), name="Case reader",
                                             scopes=["cases:read"], owner=owner)
    return ApiClient(tokens.collect_api_token(token.pk, by=owner)[1])


def triage(case: Case, by: Any, **overrides: Any) -> Case:
    given = answers(**overrides)
    return services.triage_case(case, by=by, answers=given, priority=services.propose_priority(given), reason="")


def kinds(case: Case) -> dict[str, str]:
    return {need.kind: str(need.state) for need in consultation_rules.required_consultations(case)}


@pytest.fixture
def hr(db: Any) -> Any:
    return make_staff("hera", Role.CONSULTANT_HR, first_name="Hera")


@pytest.fixture
def staff_case(file_report: Any, triager: Any) -> Case:
    """A reported staff member ("mallory"), a named reporter who is also a party ("rosa-gh"), a note."""
    report, _code = file_report(accounts=[Account("github", "mallory")], anonymous=False, contact_name="Rosa Reporter",
                                contact_email="rosa@example.net")
    case = report.case
    services.add_party(case, system="github", handle="rosa-gh", role=Party.Role.REPORTER, by=triager)
    services.add_note(case, by=triager, body="Mallory is on the release team payroll.")
    return triage(case, triager, staff_or_contractor_involved=True)


# The rules and their page.

def test_the_shipped_rules_follow_the_policy(db):
    rules = {rule.condition: (rule.kind, rule.scope, rule.enabled) for rule in ConsultationRule.objects.all()}
    assert rules[Condition.STAFF_INVOLVED] == ("hr", frozenset({"summary", "notes", "parties"}), True)
    assert {condition: rules[condition][0] for condition in (Condition.LEGAL_EXPOSURE, Condition.THREATS,
            Condition.MINOR_INVOLVED, Condition.DIFFERENT_JURISDICTIONS)} == dict.fromkeys(
        (Condition.LEGAL_EXPOSURE, Condition.THREATS, Condition.MINOR_INVOLVED, Condition.DIFFERENT_JURISDICTIONS), "legal")
    assert rules[Condition.SAFETY_RISK][0] == "security"
    assert all("reporter_identity" not in scope for kind, scope, _on in rules.values() if kind != "security")


def test_an_administrator_edits_a_rule_on_the_page_and_it_is_audited(administrator):
    rule = ConsultationRule.objects.get(condition=Condition.DIFFERENT_JURISDICTIONS)
    client = login(administrator)
    page = client.get("/staff/consultation-rules/")
    assert page.status_code == 200
    assert "the community team decides alone" in page.content.decode()
    prefix = f"rule-{rule.pk}"
    response = client.post("/staff/consultation-rules/", {"rule": rule.pk, f"{prefix}-kind": "hr",
                                                         f"{prefix}-parts": ["summary", "reports"]})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.enabled, rule.kind, rule.scope) == (False, "hr", frozenset({"summary", "reports"}))
    entry = AuditEntry.objects.get(action="consultation_rule.edit")
    assert entry.actor == administrator and entry.object_id == str(rule.pk)
    assert entry.detail["before"] == {"enabled": True, "kind": "legal", "parts": ["notes", "parties", "summary"]}
    assert entry.detail["after"] == {"enabled": False, "kind": "hr", "parts": ["reports", "summary"]}


@pytest.mark.parametrize("role", [Role.TRIAGER, Role.DECISION_MAKER, Role.CONSULTANT_HR, Role.AUDITOR])
def test_nobody_else_may_see_or_edit_the_rules(db, role):
    someone = make_staff("someone", role)
    rule = ConsultationRule.objects.get(condition=Condition.STAFF_INVOLVED)
    client = login(someone)
    assert client.get("/staff/consultation-rules/").status_code == 403
    assert client.post("/staff/consultation-rules/", {"rule": rule.pk, f"rule-{rule.pk}-kind": "legal"}).status_code == 403
    with pytest.raises(Denied):
        consultation_rules.edit_rule(rule, by=someone, enabled=False, kind="legal", parts=[])
    rule.refresh_from_db()
    assert (rule.enabled, rule.kind) == (True, "hr")
    assert not AuditEntry.objects.filter(action="consultation_rule.edit").exists()


def test_a_bad_rule_edit_names_the_problem_and_changes_nothing(administrator):
    rule = ConsultationRule.objects.get(condition=Condition.STAFF_INVOLVED)
    with pytest.raises(DomainError, match="HR, Legal or Security"):
        consultation_rules.edit_rule(rule, by=administrator, enabled=True, kind="finance", parts=["summary"])
    with pytest.raises(DomainError, match="what to share"):
        consultation_rules.edit_rule(rule, by=administrator, enabled=True, kind="hr", parts=["diary"])
    response = login(administrator).post("/staff/consultation-rules/", {
        "rule": rule.pk, f"rule-{rule.pk}-enabled": "on", f"rule-{rule.pk}-kind": "finance"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    rule.refresh_from_db()
    assert (rule.kind, rule.scope) == ("hr", frozenset({"summary", "notes", "parties"}))
    assert not AuditEntry.objects.filter(action="consultation_rule.edit").exists()


# The facts.

def test_an_untriaged_case_has_every_fact_not_said(case):
    assert consultation_rules.case_facts(case) == NOT_SAID
    needs = consultation_rules.consultation_needs(case)
    assert needs.required == ()
    assert len(needs.not_said) == len(Condition.values)


@pytest.mark.parametrize(("given", "condition", "kind"), [
    ({"danger": True}, Condition.SAFETY_RISK, "security"),
    ({"legal_exposure": True}, Condition.LEGAL_EXPOSURE, "legal"),
    ({"threats": True}, Condition.THREATS, "legal"),
    ({"minor_involved": True}, Condition.MINOR_INVOLVED, "legal"),
    ({"staff_or_contractor_involved": True}, Condition.STAFF_INVOLVED, "hr"),
    ({"reporter_country": "Germany", "reported_country": "Brazil"}, Condition.DIFFERENT_JURISDICTIONS, "legal"),
])
def test_each_condition_requires_its_consultation_with_the_reason(case, triager, given, condition, kind):
    triage(case, triager, **given)
    facts = consultation_rules.case_facts(case)
    assert facts[condition] is True
    (need,) = consultation_rules.required_consultations(case)
    assert need.kind == kind and need.state == "not_asked"
    assert need.reasons == (str(Condition(condition).label),)


def test_answered_no_is_false_and_unanswered_stays_not_said(case, triager):
    triage(case, triager)  # the helper answers the old questions "no" and leaves the new ones unanswered
    facts = consultation_rules.case_facts(case)
    assert facts[Condition.SAFETY_RISK] is False and facts[Condition.LEGAL_EXPOSURE] is False
    assert facts[Condition.THREATS] is None and facts[Condition.MINOR_INVOLVED] is None
    assert facts[Condition.DIFFERENT_JURISDICTIONS] is None
    # "No staff member or leader involved" answers the narrower staff question too.
    assert facts[Condition.STAFF_INVOLVED] is False
    triage(case, triager, staff_or_leader_involved=True)
    assert consultation_rules.case_facts(case)[Condition.STAFF_INVOLVED] is None  # perhaps only a community leader
    assert consultation_rules.required_consultations(case) == ()


def test_the_triage_form_asks_the_new_questions_and_keeps_unanswered_ones_not_said(case, triager):
    client = login(triager)
    page = client.get(f"/staff/cases/{case.pk}/triage/").content.decode()
    assert "Was anyone threatened?" in page and "Is a minor (someone under 18) involved?" in page
    response = client.post(f"/staff/cases/{case.pk}/triage/", triage_post(threats="yes", staff_or_contractor_involved="no",
                                                                           priority="P2"))
    assert response.status_code == 302
    facts = consultation_rules.case_facts(case)
    assert facts[Condition.THREATS] is True and facts[Condition.STAFF_INVOLVED] is False
    assert facts[Condition.MINOR_INVOLVED] is None
    assert kinds(case) == {"legal": "not_asked"}


def test_the_same_country_however_written_is_one_jurisdiction(case, triager):
    triage(case, triager, reporter_country="  germany", reported_country="Germany ")
    assert consultation_rules.case_facts(case)[Condition.DIFFERENT_JURISDICTIONS] is False
    triage(case, triager, reporter_country="Germany", reported_country="")
    assert consultation_rules.case_facts(case)[Condition.DIFFERENT_JURISDICTIONS] is None


def test_the_latest_triage_counts(case, triager):
    triage(case, triager, legal_exposure=True)
    triage(case, triager, legal_exposure=False)
    assert consultation_rules.required_consultations(case) == ()


def test_a_party_linked_to_a_staff_account_is_staff_involved_even_if_triage_said_no(case, triager):
    triage(case, triager, staff_or_contractor_involved=False)
    registry.link_staff_account(make_staff("sven", Role.CASE_HANDLER), system="github", handle="sven-gh")
    services.add_party(case, system="github", handle="sven-gh", role=Party.Role.REPORTED, by=triager)
    assert consultation_rules.case_facts(case)[Condition.STAFF_INVOLVED] is True
    assert kinds(case) == {"hr": "not_asked"}


def test_a_disabled_rule_requires_nothing(case, triager, administrator):
    triage(case, triager, threats=True, legal_exposure=True)
    assert kinds(case) == {"legal": "not_asked"}
    assert len(consultation_rules.required_consultations(case)[0].reasons) == 2
    for condition in (Condition.THREATS, Condition.LEGAL_EXPOSURE):
        rule = ConsultationRule.objects.get(condition=condition)
        consultation_rules.edit_rule(rule, by=administrator, enabled=False, kind=rule.kind, parts=rule.scope)
    assert kinds(case) == {}


# Required consultations: their state, the case page, asking.

def test_a_required_consultation_is_not_asked_then_open_then_satisfied(staff_case, triager, hr):
    assert kinds(staff_case) == {"hr": "not_asked"}
    consultation = consultations.request_consultation(staff_case, by=triager, consultant=hr, kind="hr",
                                                      parts={"summary"}, question="Is this a conduct matter for HR?")
    assert kinds(staff_case) == {"hr": "open"}
    consultations.withdraw_consultation(consultation, by=triager)
    assert kinds(staff_case) == {"hr": "not_asked"}  # a withdrawn consultation asks nothing any more
    again = consultations.request_consultation(staff_case, by=triager, consultant=hr, kind="hr", parts={"summary"},
                                               question="Is this a conduct matter for HR?")
    consultations.answer_consultation(again, by=hr, answer="Yes, HR will follow up.")
    assert kinds(staff_case) == {"hr": "satisfied"}


def test_the_case_page_lists_what_is_required_and_asking_prefills_the_scope(staff_case, triager):
    client = login(triager)
    page = client.get(f"/staff/cases/{staff_case.pk}/").content.decode()
    assert "Consultations required before a decision" in page
    assert "A staff member or contractor of the organisation is involved" in page
    assert 'href="?consult=hr#consult"' in page
    asked = client.get(f"/staff/cases/{staff_case.pk}/?consult=hr").content.decode()
    form = asked[asked.index('id="consult"'):]
    checked = set(re.findall(r'name="parts" value="(\w+)"[^>]*checked', form))
    assert checked == {"summary", "notes", "parties"}
    assert re.search(r'<option value="hr" selected>', form)


def test_a_case_no_rule_applies_to_says_the_team_decides_alone(case, triager):
    triage(case, triager)
    page = login(triager).get(f"/staff/cases/{case.pk}/").content.decode()
    assert "No consultation rule applies: the community team decides alone." in page


def test_a_consultant_is_not_shown_the_policy(staff_case, triager, hr):
    consultations.request_consultation(staff_case, by=triager, consultant=hr, kind="hr", parts={"summary"},
                                       question="Is this a conduct matter for HR?")
    page = login(hr).get(f"/staff/cases/{staff_case.pk}/").content.decode()
    assert "Consultations required before a decision" not in page


# Scope: HR sees the conduct, not who reported.

def _ask_hr_with_the_default_scope(case: Case, triager: Any, hr: Any) -> Consultation:
    (need,) = consultation_rules.required_consultations(case)
    return consultations.request_consultation(case, by=triager, consultant=hr, kind="hr", parts=need.scope,
                                              question="Is this a conduct matter for HR?")


REPORTER_TRACES = ("Rosa Reporter", "rosa@example.net", "rosa-gh")


def test_hr_with_the_default_scope_sees_the_conduct_but_not_who_reported(staff_case, triager, hr):
    _ask_hr_with_the_default_scope(staff_case, triager, hr)
    page = login(hr).get(f"/staff/cases/{staff_case.pk}/").content.decode()
    assert "mallory" in page and "Mallory is on the release team payroll." in page
    for trace in REPORTER_TRACES:
        assert trace not in page
    assert "He kept sending me" not in page  # the reports are not shared at all
    body = api_as(hr).get(f"/api/cases/{staff_case.pk}/")
    assert body.status_code == 200
    assert [party["role"] for party in body.json()["parties"]] == ["reported"]
    for trace in REPORTER_TRACES:
        assert trace.encode() not in body.content
    # The full reader sees who reported, so the checks above can fail.
    full = login(triager).get(f"/staff/cases/{staff_case.pk}/").content.decode()
    assert all(trace in full for trace in REPORTER_TRACES)


def test_reports_shared_without_the_reporters_identity_hide_the_contact_details(staff_case, triager, hr):
    consultations.request_consultation(staff_case, by=triager, consultant=hr, kind="hr",
                                       parts={"summary", "reports", "parties"}, question="Conduct matter?")
    page = login(hr).get(f"/staff/cases/{staff_case.pk}/").content.decode()
    assert "He kept sending me" in page and "who reported is not shared with you" in page
    for trace in REPORTER_TRACES:
        assert trace not in page
    body = api_as(hr).get(f"/api/cases/{staff_case.pk}/").json()
    (report,) = body["reports"]
    assert report["narrative"].startswith("He kept sending me")
    assert (report["contact_name"], report["contact_email"]) == ("", "")


def test_a_conflict_event_naming_a_staff_reporter_is_left_out_without_the_reporters_identity(file_report, triager, hr):
    make_staff("sol", Role.CASE_HANDLER, first_name="Sol", email="sol@example.org")
    report, _code = file_report(anonymous=False, contact_name="Sol", contact_email="sol@example.org")
    case = triage(report.case, triager, staff_or_contractor_involved=True)
    assert "Possible conflict of interest noticed for Sol" in login(triager).get(f"/staff/cases/{case.pk}/").content.decode()
    _ask_hr_with_the_default_scope(case, triager, hr)
    page = login(hr).get(f"/staff/cases/{case.pk}/").content.decode()
    assert "Possible conflict" not in page and "Sol" not in page
    timeline = api_as(hr).get(f"/api/cases/{case.pk}/").json()["timeline"]
    assert timeline and not [line for line in timeline if "conflict" in line["kind"]]


def test_sharing_the_reporters_identity_shows_it(staff_case, triager, hr):
    consultations.request_consultation(staff_case, by=triager, consultant=hr, kind="hr",
                                       parts={"summary", "reports", "parties", "reporter_identity"}, question="Conduct?")
    page = login(hr).get(f"/staff/cases/{staff_case.pk}/").content.decode()
    assert all(trace in page for trace in REPORTER_TRACES)


# The email to the consultant.

def test_a_consultant_is_emailed_the_reference_and_a_link_and_nothing_of_the_case(staff_case, triager, hr, settings):
    settings.STEWARD_BASE_URL = "https://steward.example.org"
    consultation = _ask_hr_with_the_default_scope(staff_case, triager, hr)
    assert queued(ConsultantAsked) == [ConsultantAsked(consultation=consultation.pk)]
    mail.outbox.clear()
    deliver_outbox()
    (email,) = [message for message in mail.outbox if message.to == [hr.email]]
    assert staff_case.reference in email.subject
    assert f"https://steward.example.org/staff/cases/{staff_case.pk}/" in email.body
    for secret in ("conduct matter", "Mallory", "mallory", "payroll", "He kept sending me", *REPORTER_TRACES):
        assert secret not in email.subject and secret not in email.body


def test_a_consultation_withdrawn_before_the_email_goes_out_sends_none(staff_case, triager, hr):
    consultation = _ask_hr_with_the_default_scope(staff_case, triager, hr)
    consultations.withdraw_consultation(consultation, by=triager)
    mail.outbox.clear()
    deliver_outbox()
    assert not [message for message in mail.outbox if message.to == [hr.email]]
