"""The enforcement messages: the moderators of affected spaces are told what to enforce, where and
until when, never why; the community announcement names the person and the consequence. Both are
written from the decision's facts by the same render as every decision message, refuse the
placeholders outside their audience's list, and fall back to the English."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.utils import formats, timezone

from steward.core.errors import DomainError
from steward.decisions import decision_messages, services
from steward.decisions.decision_messages import MessageError, MessageInput
from steward.decisions.models import Audience, Decision, MessageTemplate, Outcome
from steward.reports.services import Account
from tests.conftest import login

from .conftest import awaiting, reported_person
from .helpers import DEPARTURE, choice, level

WRITTEN = MessageInput(behaviour="Canary-behaviour: insults aimed at other contributors in the project chat.",
                       impact="Canary-impact: two contributors stopped taking part.",
                       expected_change="Canary-change: keep discussions about the work.")
SUMMARY = "Canary-summary: the person you reported was banned for two months."
RATIONALE = "Canary-rationale: second offence within a year."
PERSON = "mallory (GitHub), @mallory:example.org (Matrix)"
SPACES = "github.com/example-org"
WHAT_TO_DO = "Block the account from the organisation and remove any new account that is plainly the same person."


@pytest.fixture
def templates(db: Any) -> None:
    decision_messages.install_templates()


@pytest.fixture
def reported_case(file_report: Any, templates: None) -> Any:
    report, _code = file_report(accounts=[Account("github", "mallory")], anonymous=False,
                                contact_email="rita@example.org", contact_name="Rita Reporter")
    return awaiting(report.case)


def _decide(case: Any, by: Any, key: str = "temporary_ban") -> Decision:
    subject = reported_person(case) if key not in Outcome.values else None
    ends_on = timezone.localdate() + datetime.timedelta(days=60) if key == "temporary_ban" else None
    return services.record_decision(case, by=by, **choice(key), subject=subject, ends_on=ends_on,
                                    reporter_summary=SUMMARY, rationale=RATIONALE, departure_reason=DEPARTURE,
                                    message=WRITTEN if subject is not None else MessageInput())


def _for_moderators(decision: Decision, language: str = "en") -> tuple[str, str]:
    return services.compose_for_moderators(decision.pk, language=language, person=PERSON, spaces=SPACES,
                                           what_to_do=WHAT_TO_DO)


def _english(kind: str, audience: str) -> MessageTemplate:
    return MessageTemplate.objects.get(kind=kind, audience=audience, language="en")


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


# --- What the messages say ----------------------------------------------------------------------


def test_the_moderators_are_told_what_to_enforce_where_and_until_when(reported_case: Any, decision_maker: Any) -> None:
    decision = _decide(reported_case, decision_maker)
    subject, body = _for_moderators(decision)
    template = _english("suspension", "moderators")
    values = {"organisation": settings.STEWARD_ORGANISATION_NAME, "contact": settings.STEWARD_CONTACT_EMAIL,
              "person": PERSON, "spaces": SPACES, "what_to_do": WHAT_TO_DO,
              "consequence": level("temporary_ban").consequence, "starts": _date(decision.starts_on),
              "ends": _date(decision.ends_on or decision.starts_on)}
    assert (subject, body) == (template.subject.format(**values), template.body.format(**values))


def test_the_moderators_are_never_told_why_who_reported_or_which_case(reported_case: Any, decision_maker: Any) -> None:
    decision = _decide(reported_case, decision_maker, "permanent_ban")
    subject, body = _for_moderators(decision)
    assert "no end date: the ban is permanent" in body
    text = subject + body
    for secret in ("Canary", "Rita", "rita@example.org", "insulting messages", reported_case.reference,
                   _date(decision.appeal_until)):
        assert secret not in text


def test_the_announcement_names_the_person_and_the_consequence_only(reported_case: Any, decision_maker: Any) -> None:
    decision = _decide(reported_case, decision_maker, "permanent_ban")
    subject, body = services.compose_announcement(decision.pk, language="en", person="Mallory Example")
    template = _english("permanent_ban", "community")
    values = {"organisation": settings.STEWARD_ORGANISATION_NAME, "contact": settings.STEWARD_CONTACT_EMAIL,
              "person": "Mallory Example", "consequence": level("permanent_ban").consequence,
              "starts": _date(decision.starts_on)}
    assert (subject, body) == (template.subject.format(**values), template.body.format(**values))
    for secret in ("Canary", "Rita", "rita@example.org", "mallory (GitHub)", reported_case.reference):
        assert secret not in subject + body


def test_a_template_that_names_another_audiences_placeholder_gets_the_slot_never_the_value(
        reported_case: Any, decision_maker: Any) -> None:
    # A row written past the checks (by hand in the database) still cannot leak the behaviour.
    MessageTemplate.objects.filter(kind="suspension", audience="moderators", language="en").update(
        body="{person}: {behaviour} {rationale} {outcome} {name}")
    _subject, body = _for_moderators(_decide(reported_case, decision_maker))
    assert body == f"{PERSON}: {{behaviour}} {{rationale}} {{outcome}} {{name}}"


# --- Refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("audience", "placeholder"), [
    (Audience.MODERATORS, "behaviour"), (Audience.MODERATORS, "impact"), (Audience.MODERATORS, "name"),
    (Audience.MODERATORS, "outcome"), (Audience.MODERATORS, "conditions"), (Audience.MODERATORS, "scope"),
    (Audience.MODERATORS, "appeal_link"), (Audience.MODERATORS, "followup_link"),
    (Audience.MODERATORS, "reporter"), (Audience.MODERATORS, "case"),
    (Audience.ANNOUNCEMENT, "behaviour"), (Audience.ANNOUNCEMENT, "outcome"), (Audience.ANNOUNCEMENT, "spaces"),
    (Audience.ANNOUNCEMENT, "what_to_do"), (Audience.ANNOUNCEMENT, "reporter"),
])
def test_a_placeholder_outside_the_audiences_list_is_refused_and_nothing_changes(
        templates: Any, administrator: Any, audience: str, placeholder: str) -> None:
    template = _english("suspension", audience)
    before = (template.subject, template.body, template.updated_at)
    with pytest.raises(MessageError) as refused:
        decision_messages.save_template(template, by=administrator, subject=template.subject,
                                        body=template.body + f"\n{{{placeholder}}}")
    assert refused.value.field == "body"
    assert f"Unknown placeholder: {{{placeholder}}}" in str(refused.value.message)
    template.refresh_from_db()
    assert (template.subject, template.body, template.updated_at) == before


def test_every_placeholder_of_the_moderators_list_is_accepted(templates: Any, administrator: Any) -> None:
    template = _english("suspension", "moderators")
    body = " ".join("{" + name + "}" for name in decision_messages.PLACEHOLDERS[Audience.MODERATORS])
    decision_messages.save_template(template, by=administrator, subject="{organisation}: {spaces}", body=body)
    template.refresh_from_db()
    assert template.body == body and template.updated_by == administrator


@pytest.mark.parametrize(("key", "kind"), [("warning", "Warning"), (Outcome.NO_VIOLATION, "No violation")])
def test_a_decision_whose_kind_has_no_such_message_is_refused_in_words(reported_case: Any, decision_maker: Any,
                                                                      key: str, kind: str) -> None:
    decision = _decide(reported_case, decision_maker, key)
    with pytest.raises(DomainError) as refused:
        _for_moderators(decision)
    assert str(refused.value) == (f"A “{kind}” decision has no “Moderators of affected spaces” message: only the "
                                  "kinds that limit, suspend or ban someone have one.")
    with pytest.raises(DomainError) as refused:
        services.compose_announcement(decision.pk, language="en", person="Mallory")
    assert "“Community announcement”" in str(refused.value)


def test_blank_arguments_and_an_unknown_decision_are_refused_naming_them(reported_case: Any, decision_maker: Any) -> None:
    decision = _decide(reported_case, decision_maker)
    for field in ("person", "spaces", "what_to_do"):
        given = {"person": PERSON, "spaces": SPACES, "what_to_do": WHAT_TO_DO, field: "  "}
        with pytest.raises(MessageError) as refused:
            services.compose_for_moderators(decision.pk, language="en", **given)
        assert refused.value.field == field
    with pytest.raises(MessageError) as refused:
        services.compose_announcement(decision.pk + 1000, language="en", person="Mallory")
    assert refused.value.field == "decision" and str(refused.value) == "There is no such decision."


# --- Languages --------------------------------------------------------------------------------


def test_an_untranslated_language_gets_the_english_then_its_translation_once_written(
        reported_case: Any, decision_maker: Any, administrator: Any) -> None:
    decision = _decide(reported_case, decision_maker)
    english = _for_moderators(decision)
    # A language whose translation is not written yet (an empty row, as for a new message).
    MessageTemplate.objects.filter(kind="suspension", audience="moderators", language="de").update(subject="", body="")
    german = MessageTemplate.objects.get(kind="suspension", audience="moderators", language="de")
    assert decision_messages.status_of(german, _english("suspension", "moderators")) == "missing"
    assert _for_moderators(decision, "de") == english
    decision_messages.save_template(german, by=administrator, subject="{organisation}: Sperre in {spaces}",
                                    body="Konto: {person}\nBis: {ends}\n{what_to_do}")
    subject, body = _for_moderators(decision, "de-AT")
    assert subject == f"{settings.STEWARD_ORGANISATION_NAME}: Sperre in {SPACES}"
    assert body.startswith(f"Konto: {PERSON}\nBis: ") and body.endswith(WHAT_TO_DO)
    # The English changes: the German is outdated and the English is sent again.
    template = _english("suspension", "moderators")
    decision_messages.save_template(template, by=administrator, subject=template.subject, body=template.body + ".")
    assert _for_moderators(decision, "de")[1] == english[1] + "."


def test_an_unknown_language_gets_the_english(reported_case: Any, decision_maker: Any) -> None:
    decision = _decide(reported_case, decision_maker)
    assert _for_moderators(decision, "xx") == _for_moderators(decision)


# --- Preview ----------------------------------------------------------------------------------


def test_the_staff_pages_preview_is_the_message_composed(reported_case: Any, decision_maker: Any,
                                                       administrator: Any, monkeypatch: Any) -> None:
    decision = _decide(reported_case, decision_maker)
    composed = _for_moderators(decision)
    template = _english("suspension", "moderators")
    values = {"organisation": settings.STEWARD_ORGANISATION_NAME, "contact": settings.STEWARD_CONTACT_EMAIL,
              "person": PERSON, "spaces": SPACES, "what_to_do": WHAT_TO_DO,
              "consequence": level("temporary_ban").consequence, "starts": _date(decision.starts_on),
              "ends": _date(decision.ends_on or decision.starts_on), "behaviour": WRITTEN.behaviour}
    monkeypatch.setattr(decision_messages, "sample_facts", lambda audience: values)
    assert decision_messages.preview_template("moderators", "en", template.subject, template.body) == composed
    page = login(administrator).post(f"/staff/decision-messages/{template.pk}/",
                                     {"subject": template.subject, "body": template.body, "action": "preview"})
    assert page.status_code == 200
    assert page.context["preview"] == composed
