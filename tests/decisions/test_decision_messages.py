"""Decision messages: the templates as data, checked when saved; the messages written with the
decision from one render function (what is previewed is what is stored and emailed); the
reported person's appeal link made when the email is written; the reporter reads theirs on the
follow-up page and through the API."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from steward.cases import providers
from steward.cases.models import TimelineEvent
from steward.core import links
from steward.core.access import Denied
from steward.core.api import Scope
from steward.core.models import AuditEntry, OutboxMessage
from steward.core.roles import Role
from steward.decisions import appeals, decision_messages, preset_files, proposals, services
from steward.decisions.decision_messages import MessageInput
from steward.decisions.messages import DecisionMessageToSend
from steward.decisions.models import Audience, Decision, DecisionMessage, MessageTemplate, Outcome
from steward.reports.models import Report
from steward.reports.services import Account
from steward.staff import tokens
from tests.cases.helpers import snapshot
from tests.conftest import deliver_outbox, make_staff, queued

from .conftest import awaiting, reported_person
from .helpers import DEPARTURE, choice, level

WRITTEN = MessageInput(behaviour="Repeated insults aimed at other contributors in the project chat.",
                       impact="Two contributors said they no longer feel safe taking part.",
                       expected_change="Keep discussions about the work and treat people with respect.")
SUMMARY = "The person you reported was banned from the project for two months."


@pytest.fixture
def templates(db: Any) -> None:
    decision_messages.install_templates()  # again after a test that flushed the tables


@pytest.fixture
def case_with_emails(file_report: Any, templates: None) -> Any:
    """A case awaiting a decision: its reporter Rita left an address and writes in German; the
    reported person is known by their email address."""
    report, _code = file_report(accounts=[Account("email", "mallory@example.net")], anonymous=False,
                                contact_email="rita@example.org", contact_name="Rita Reporter",
                                preferred_language="de")
    return awaiting(report.case)


def _facts(case: Any, key: str = "temporary_ban", days: int = 60) -> decision_messages.Facts:
    chosen = choice(key)
    return decision_messages.Facts.proposed(
        case, level=chosen.get("level"), outcome=chosen.get("outcome", Outcome.LEVEL),
        subject=reported_person(case) if key not in Outcome.values else None, starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=days) if key == "temporary_ban" else None, spaces=[],
        systems=[], conditions="", reporter_summary=SUMMARY)


def _decide(case: Any, by: Any, key: str = "temporary_ban", message: MessageInput | None = WRITTEN,
            **overrides: Any) -> Decision:
    values: dict[str, Any] = {
        **choice(key), "subject": reported_person(case) if key not in Outcome.values else None,
        "ends_on": timezone.localdate() + datetime.timedelta(days=60) if key == "temporary_ban" else None,
        "reporter_summary": SUMMARY, "rationale": "Second offence.", "departure_reason": DEPARTURE,
        "message": message}
    values.update(overrides)
    return services.record_decision(case, by=by, **values)


# --- Templates ------------------------------------------------------------------------------


def test_the_migration_installs_every_shipped_template_and_installing_again_adds_nothing(templates):
    shipped = preset_files.messages()
    english = len(shipped["en"])
    # Every English message in every shipped language, each translated.
    assert MessageTemplate.objects.count() == english * len(preset_files.message_languages()) == 23 * 16
    assert not MessageTemplate.objects.filter(body="").exists()
    assert decision_messages.install_templates() == 0
    german = MessageTemplate.objects.get(kind="warning", audience="reported", language="de")
    english = MessageTemplate.objects.get(kind="warning", audience="reported", language="en")
    assert german.source_digest == english.digest and german.body != english.body
    assert decision_messages.status_of(german, english) == "complete"
    MessageTemplate.objects.filter(language="fr").delete()
    assert decision_messages.install_templates() == 23


@pytest.mark.parametrize(("body", "problem"), [
    ("Hello {reporter_name}, {organisation}", "Unknown placeholder: {reporter_name}"),
    ("Hello {name, {organisation}", "malformed"),
    ("Hello {name!r}", "“{name!r}” is malformed"),
    ("Hello } there", "malformed"),
])
def test_a_template_with_an_unknown_or_malformed_placeholder_is_refused_naming_it(templates, administrator, body,
                                                                                   problem):
    template = MessageTemplate.objects.get(kind="warning", audience="reported", language="en")
    before = (template.subject, template.body, AuditEntry.objects.count())
    with pytest.raises(decision_messages.MessageError) as refused:
        decision_messages.save_template(template, by=administrator, subject=template.subject, body=body)
    assert refused.value.field == "body" and problem in str(refused.value.message)
    template.refresh_from_db()
    assert (template.subject, template.body, AuditEntry.objects.count()) == before


def test_a_reporter_template_may_not_use_the_reported_persons_placeholders(templates, administrator):
    template = MessageTemplate.objects.get(kind="warning", audience="reporter", language="en")
    with pytest.raises(decision_messages.MessageError) as refused:
        decision_messages.save_template(template, by=administrator, subject="About {name}", body=template.body)
    assert refused.value.field == "subject" and "{name}" in str(refused.value.message)


def test_changing_the_english_marks_translations_outdated_and_the_english_is_sent_until_they_are_saved(
        templates, administrator):
    english = MessageTemplate.objects.get(kind="warning", audience="reported", language="en")
    german = MessageTemplate.objects.get(kind="warning", audience="reported", language="de")
    decision_messages.save_template(english, by=administrator, subject=english.subject,
                                    body=english.body + "\n\nP.S. {contact}", ip="192.0.2.9")
    english.refresh_from_db()
    assert english.updated_by == administrator
    entry = AuditEntry.objects.get(action="decision.message_template")
    assert entry.actor == administrator and entry.detail["language"] == "en" and entry.ip == "192.0.2.9"
    assert decision_messages.status_of(german, english) == "outdated"
    assert decision_messages._template("warning", "reported", "de") == english
    decision_messages.save_template(german, by=administrator, subject=german.subject, body=german.body)
    german.refresh_from_db()
    assert decision_messages.status_of(german, english) == "complete"
    assert decision_messages._template("warning", "reported", "de") == german


def test_only_whoever_edits_the_ladder_saves_a_template(templates, decision_maker):
    template = MessageTemplate.objects.get(kind="warning", audience="reported", language="en")
    with pytest.raises(Denied):
        decision_messages.save_template(template, by=decision_maker, subject="x", body="y")


# --- Writing and sending ----------------------------------------------------------------------


def test_preview_is_what_is_stored_and_what_is_emailed(case_with_emails, decision_maker):
    case = case_with_emails
    preview = decision_messages.compose(_facts(case), WRITTEN)
    assert [(m.audience, m.language) for m in preview] == [("reported", "en"), ("reporter", "de")]
    decision = _decide(case, decision_maker)
    stored = list(DecisionMessage.objects.filter(decision=decision).order_by("pk"))
    assert [(m.audience, m.language, m.subject, m.body) for m in stored] == [
        (m.audience, m.language, m.subject, m.body) for m in preview]
    reported, reporter = stored
    assert reporter.report == Report.objects.get(case=case).pk and reported.report is None
    # Sealed with the case key: nothing of the texts in the columns.
    assert b"insults" not in bytes(reported.body_sealed) and b"banned" not in bytes(reporter.body_sealed)
    # The reported person's body keeps the slot: no usable link is stored.
    assert decision_messages.APPEAL_SLOT in reported.body and "/l/appeal/" not in reported.body
    assert WRITTEN.behaviour in reported.body and WRITTEN.expected_change in reported.body
    assert SUMMARY in reporter.body and "/follow-up/" in reporter.body
    assert len(queued(DecisionMessageToSend)) == 2
    assert TimelineEvent.objects.filter(case=case, kind="decision_messages").exists()
    detail = AuditEntry.objects.get(action="decision.messages").detail
    assert "insults" not in str(detail).lower()  # counts and languages, no text

    mail.outbox.clear()
    deliver_outbox()
    to_person = next(m for m in mail.outbox if m.to == ["mallory@example.net"])
    to_reporter = next(m for m in mail.outbox if m.to == ["rita@example.org"] and m.subject == reporter.subject)
    assert to_reporter.body == reporter.body
    assert to_person.subject == reported.subject
    before, _slot, after = reported.body.partition(decision_messages.APPEAL_SLOT)
    assert to_person.body.startswith(before) and to_person.body.endswith(after)
    link = to_person.body[len(before):len(to_person.body) - len(after)]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert links.peek(token, appeals.LINK_PURPOSE, max_age=10**7).subject == decision.pk  # a working link
    assert all(m.sent_at is not None for m in DecisionMessage.objects.filter(decision=decision))


def test_the_reported_persons_message_never_names_the_reporter(case_with_emails, decision_maker):
    decision = _decide(case_with_emails, decision_maker)
    reported = DecisionMessage.objects.get(decision=decision, audience=Audience.REPORTED)
    for reporter_detail in ("Rita", "rita@example.org", "insulting messages"):
        assert reporter_detail not in reported.subject + reported.body


def test_the_reported_persons_message_is_in_the_chosen_language_the_reporters_in_their_reports(
        case_with_emails, decision_maker):
    decision = _decide(case_with_emails, decision_maker, message=MessageInput(**{**WRITTEN.__dict__, "language": "fr"}))
    languages = dict(DecisionMessage.objects.filter(decision=decision).values_list("audience", "language"))
    assert languages == {"reported": "fr", "reporter": "de"}
    french = MessageTemplate.objects.get(kind="suspension", audience="reported", language="fr")
    assert DecisionMessage.objects.get(decision=decision, audience="reported").subject == french.subject.format(
        organisation=decision_messages.settings.STEWARD_ORGANISATION_NAME)


@pytest.mark.parametrize("outcome", [Outcome.UNKNOWN_PERSON, Outcome.OUT_OF_SCOPE])
def test_an_outcome_without_a_reported_person_writes_only_to_the_reporters(case_with_emails, decision_maker, outcome):
    decision = _decide(case_with_emails, decision_maker, outcome, message=MessageInput())
    assert list(DecisionMessage.objects.filter(decision=decision).values_list("audience", flat=True)) == ["reporter"]


def test_an_anonymous_reporter_gets_no_email_and_reads_the_message_on_the_follow_up_page(
        file_report, templates, decision_maker, administrator, client):
    report, code = file_report(accounts=[Account("github", "mallory")])
    decision = _decide(awaiting(report.case), decision_maker, "warning")
    message = DecisionMessage.objects.get(decision=decision, audience=Audience.REPORTER)
    mail.outbox.clear()
    deliver_outbox()
    assert not mail.outbox  # no address for either side: the rows are dropped, not failed
    assert OutboxMessage.objects.filter(kind=DecisionMessageToSend.kind, status="dropped").count() == 2
    client.post("/follow-up/", {"code": code})
    page = client.get("/follow-up/case/").content.decode()
    assert message.subject in page
    assert "The person you reported" in page  # the outcome the message quotes
    secret = tokens.create_api_token(by=administrator, name="Forum", scopes=[Scope.REPORTS_FOLLOW_UP])[1]
    answer = client.post("/api/follow-up/", {"code": code}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200
    assert answer.json()["decision_message"] == {"subject": message.subject, "body": message.body, "language": "en"}
    assert answer.json()["decision_summary"] == SUMMARY


def test_missing_neutral_texts_are_refused_naming_the_field_and_change_nothing(case_with_emails, decision_maker):
    before = snapshot()
    with pytest.raises(services.DecisionError) as refused:
        _decide(case_with_emails, decision_maker, message=MessageInput(behaviour=" ", impact="x", expected_change="y"))
    assert refused.value.field == "behaviour"
    assert snapshot() == before and not DecisionMessage.objects.exists() and not Decision.objects.exists()
    with pytest.raises(services.DecisionError) as refused:
        _decide(case_with_emails, decision_maker, message=MessageInput(**{**WRITTEN.__dict__, "language": "xx"}))
    assert refused.value.field == "message_language"


def test_a_decision_recorded_without_a_message_writes_none(case_with_emails, decision_maker):
    _decide(case_with_emails, decision_maker, message=None)
    assert not DecisionMessage.objects.exists()


def test_a_proposal_enacted_later_sends_the_messages_written_from_what_was_proposed(case_with_emails, decision_maker):
    data = proposals.ProposalInput(reporter_summary=SUMMARY, rationale="Second offence.", level=level("temporary_ban"),
                                   subject=reported_person(case_with_emails),
                                   ends_on=timezone.localdate() + datetime.timedelta(days=60),
                                   departure_reason=DEPARTURE, message=WRITTEN)
    preview = proposals.preview_messages(case_with_emails, data, by=decision_maker)
    proposal = proposals.propose(case_with_emails, data, by=decision_maker)
    assert not DecisionMessage.objects.exists()
    assert b"insults" not in bytes(proposal.behaviour_sealed)
    decision = proposals.enact(proposal, by=decision_maker)
    stored = list(DecisionMessage.objects.filter(decision=decision).order_by("pk"))
    assert [(m.subject, m.body) for m in stored] == [(m.subject, m.body) for m in preview]


def test_a_proposal_without_the_neutral_texts_is_refused_when_proposed(case_with_emails, decision_maker):
    data = proposals.ProposalInput(reporter_summary=SUMMARY, rationale="x", level=level("temporary_ban"),
                                   subject=reported_person(case_with_emails), departure_reason=DEPARTURE,
                                   message=MessageInput())
    with pytest.raises(services.DecisionError) as refused:
        proposals.propose(case_with_emails, data, by=decision_maker)
    assert refused.value.field == "behaviour"


def test_an_appeal_keeps_its_own_notice_and_the_follow_up_shows_the_decision_in_force(
        case_with_emails, decision_maker, templates):
    decision = _decide(case_with_emails, decision_maker)
    appeal = appeals.appeal_by_link(links.issue(appeals.LINK_PURPOSE, decision.pk), grounds="It was not me.")
    reviewer = make_staff("rory", Role.DECISION_MAKER)
    mail.outbox.clear()
    appeals.decide_appeal(appeal, by=reviewer, outcome="changed", reasons="Less.", reporter_message="Reduced.",
                          level=level("warning"))
    deliver_outbox()
    assert any("appeal" in m.subject.lower() for m in mail.outbox if m.to == ["mallory@example.net"])
    report = Report.objects.get(case=case_with_emails)
    # The new decision wrote no message: the follow-up page falls back to its summary.
    assert providers.decisions().reporter_message(case_with_emails.pk, report.pk) is None
