"""The messages a decision sends: to the person it applies to and to each reporter, from the
editable templates (`MessageTemplate`, one per kind × audience × language, with {placeholders});
and, when it is enforced, to the moderators of each affected space and, if staff publish one, as
a community announcement.

One function, `compose`, writes the texts from a decision's facts; the decision page's preview
and `record_decision` both call it, so what staff preview is what is stored and sent. The stored
texts are sealed with the case key (`DecisionMessage`); an outbox message per recipient emails
them. The reported person's body keeps the {appeal_link} slot: their single-use appeal link is
made when the email is written (notifications.py), so no usable link is stored.

The reported person's message is in the language the decision maker chose; a reporter's in the
language of their report. A translation made from older English, or not made yet, is not used: the
English is.

The enforcement app asks for the moderators' message (`compose_for_moderators`) and the
announcement (`compose_announcement`) through decisions.services; they are written from the same
facts by the same `_write`, and return the texts without storing them. Moderators learn what to
enforce, where and until when, never why: their placeholders leave out the behaviour, the reasons,
the reporters and the case. Only the kinds that restrict or ban have these texts (the shipped
en.toml says which)."""

from __future__ import annotations

import datetime
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from steward.cases import providers
from steward.cases import services as cases
from steward.cases.models import Case, Space
from steward.core import access, audit, outbox
from steward.core.errors import DomainError
from steward.policy import services as policy
from steward.policy.models import TranslationStatus
from steward.registry.models import Person, System

from . import preset_files
from .messages import DecisionMessageToSend
from .models import Audience, Decision, DecisionMessage, Level, LevelTranslation, MessageKind, MessageTemplate, Outcome
from .permissions import DecisionAction

ENGLISH = "en"
APPEAL_SLOT = "{appeal_link}"  # filled with the person's single-use link when the email is written
# The placeholders each audience's templates may use. Never anything that names the reporter;
# for the moderators and the community, nothing of the reasons, the behaviour or the case either.
PLACEHOLDERS = {
    Audience.REPORTED: ("name", "organisation", "behaviour", "impact", "expected_change", "consequence", "scope",
                        "starts", "ends", "conditions", "appeal_until", "appeal_link", "contact"),
    Audience.REPORTER: ("organisation", "outcome", "followup_link", "appeal_until", "contact"),
    Audience.MODERATORS: ("organisation", "person", "consequence", "spaces", "starts", "ends", "what_to_do",
                          "contact"),
    Audience.ANNOUNCEMENT: ("organisation", "person", "consequence", "starts", "ends", "contact"),
}
# The audiences written when a decision is enforced, from values the enforcement app gives.
ENFORCEMENT = (Audience.MODERATORS, Audience.ANNOUNCEMENT)
# The kinds of message: each level names one (Level.message_kind); the other outcomes are their own.
KINDS = [*MessageKind.values, Outcome.NO_VIOLATION, Outcome.OUT_OF_SCOPE, Outcome.UNKNOWN_PERSON, Outcome.FLAGGED]
# Texts the decision maker writes for the reported person's message, by form field.
WRITTEN_FIELDS = {"behaviour": gettext_lazy("the behaviour"), "impact": gettext_lazy("its impact"),
                  "expected_change": gettext_lazy("the expected change")}
# What the enforcement app gives for the moderators' message and the announcement, by argument.
GIVEN = {"person": gettext_lazy("Give the name or accounts of the person the message is about."),
         "spaces": gettext_lazy("Give the spaces the moderators look after."),
         "what_to_do": gettext_lazy("Say what the moderators are asked to do.")}
# Django's interface language for a guideline locale, for dates and labels inside a message.
INTERFACE = {"zh-CN": "zh-hans", "zh-TW": "zh-hant"}


class MessageError(DomainError):
    """A refused template or message input; `field` names the form field it belongs to."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


def languages() -> list[str]:
    """English and every configured guideline locale: the languages messages are written in."""
    return [ENGLISH, *(locale for locale in settings.STEWARD_GUIDELINE_LOCALES if locale != ENGLISH)]


def default_language() -> str:
    return policy.locale_for(settings.LANGUAGE_CODE) or ENGLISH


def kind_label(kind: str) -> str:
    labels = dict(MessageKind.choices) | dict(Outcome.choices)
    return str(labels.get(kind, kind))


# --- Templates --------------------------------------------------------------------------------


def placeholders(text: str) -> set[str]:
    """The {names} a text uses; MessageError naming the problem when a brace is malformed."""
    try:
        found = list(string.Formatter().parse(text))
    except ValueError as error:
        raise MessageError("body", _("A placeholder is malformed (%(problem)s). Write placeholders as {name}; "
                                     "a brace on its own is not allowed.") % {"problem": error}) from None
    names = set()
    for _literal, name, spec, conversion in found:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise MessageError("body", _("The placeholder “{%(name)s}” is malformed: write it as {name}, with "
                                         "nothing inside the braces but its name.") % {
                "name": name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")})
        names.add(name)
    return names


def check_template(audience: str, subject: str, body: str) -> None:
    """An edited template: both texts given, and only the audience's placeholders, well formed."""
    allowed = set(PLACEHOLDERS[Audience(audience)])
    for field, text in (("subject", subject), ("body", body)):
        if not text.strip():
            raise MessageError(field, _("Write the subject.") if field == "subject" else _("Write the message."))
        try:
            used = placeholders(text)
        except MessageError as error:
            raise MessageError(field, error.message) from None
        unknown = sorted(used - allowed)
        if unknown:
            raise MessageError(field, _("Unknown placeholder: %(names)s. This message may use: %(allowed)s.") % {
                "names": ", ".join("{" + name + "}" for name in unknown),
                "allowed": ", ".join("{" + name + "}" for name in PLACEHOLDERS[Audience(audience)])})


def install_templates() -> int:
    """The shipped templates, for each kind, audience and language not installed yet (the data
    migration does the same; tests call this after a flush). Returns how many were added."""
    return preset_files.install_messages(MessageTemplate)


def status_of(template: MessageTemplate, english: MessageTemplate | None) -> str:
    if template.language == ENGLISH:
        return TranslationStatus.COMPLETE
    if english is None or not (template.subject.strip() and template.body.strip()):
        return TranslationStatus.MISSING
    return TranslationStatus.COMPLETE if template.source_digest == english.digest else TranslationStatus.OUTDATED


@dataclass(frozen=True)
class TemplateRow:
    kind: str
    audience: str
    label: str
    english: MessageTemplate | None
    languages: list[tuple[str, MessageTemplate | None, str]]  # language, template, status


def overview(*, by: User) -> list[TemplateRow]:
    """Every kind × audience, with each language's template and its state (the staff page)."""
    access.require(by, DecisionAction.EDIT_LADDER)
    made = {(t.kind, t.audience, t.language): t for t in MessageTemplate.objects.all()}
    rows = []
    for kind in KINDS:
        for audience in Audience.values:
            english = made.get((kind, audience, ENGLISH))
            if english is None and not any(key[:2] == (kind, audience) for key in made):
                continue  # this kind has no message for this audience (e.g. no reported person)
            each = []
            for language in languages():
                template = made.get((kind, audience, language))
                each.append((language, template, status_of(template, english) if template is not None
                             else TranslationStatus.MISSING))
            rows.append(TemplateRow(kind, audience, f"{kind_label(kind)} — {Audience(audience).label}", english, each))
    return rows


@transaction.atomic
def save_template(template: MessageTemplate, *, by: User, subject: str, body: str,
                  ip: str | None = None) -> MessageTemplate:
    """Administrators edit a template; a translation saved is taken as made from the current English."""
    access.require(by, DecisionAction.EDIT_LADDER)
    template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    subject, body = subject.strip(), body.strip()
    check_template(template.audience, subject, body)
    before = template.digest
    template.subject, template.body = subject, body
    if template.language != ENGLISH:
        english = MessageTemplate.objects.filter(kind=template.kind, audience=template.audience,
                                                 language=ENGLISH).first()
        template.source_digest = english.digest if english is not None else ""
    template.updated_by, template.updated_at = by, timezone.now()
    template.save()
    audit.record(by, "decision.message_template", template, ip=ip, detail={
        "kind": template.kind, "audience": template.audience, "language": template.language,
        "before": before, "after": template.digest})
    return template


def _template(kind: str, audience: str, language: str) -> MessageTemplate | None:
    """The template in `language` when its translation is current, else the English one."""
    found = {t.language: t for t in MessageTemplate.objects.filter(kind=kind, audience=audience,
                                                                   language__in={language, ENGLISH})}
    english, wanted = found.get(ENGLISH), found.get(language)
    if wanted is not None and status_of(wanted, english) == TranslationStatus.COMPLETE:
        return wanted
    return english


# --- Composing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageInput:
    """What the decision maker writes for the reported person's message, in a neutral voice, and
    the language it is sent in."""

    behaviour: str = ""
    impact: str = ""
    expected_change: str = ""
    language: str = ENGLISH


@dataclass(frozen=True)
class Facts:
    """What a decision's messages say of it: from a recorded decision, or from the decision form
    before it is recorded (the preview)."""

    case: Case
    level: Level | None
    outcome: str
    subject: Person | None
    starts_on: datetime.date
    ends_on: datetime.date | None
    spaces: tuple[str, ...]
    systems: tuple[str, ...]
    conditions: str
    reporter_summary: str
    appeal_until: datetime.date

    @property
    def kind(self) -> str:
        return self.level.message_kind if self.level is not None else self.outcome

    @classmethod
    def of(cls, decision: Decision) -> Facts:
        return cls(case=decision.case, level=decision.level, outcome=decision.outcome, subject=decision.subject,
                   starts_on=decision.starts_on, ends_on=decision.ends_on,
                   spaces=tuple(sorted(space.name for space in decision.spaces.all())),
                   systems=tuple(sorted(set(decision.systems))), conditions=decision.conditions,
                   reporter_summary=decision.reporter_summary, appeal_until=decision.appeal_until)

    @classmethod
    def proposed(cls, case: Case, *, level: Level | None, outcome: str, subject: Person | None,
                 starts_on: datetime.date, ends_on: datetime.date | None, spaces: Sequence[Space],
                 systems: Sequence[str], conditions: str, reporter_summary: str) -> Facts:
        """A decision as it would be recorded now (its appeal window counted from today)."""
        today = timezone.now().date()
        return cls(case=case, level=level, outcome=outcome, subject=subject, starts_on=starts_on, ends_on=ends_on,
                   spaces=tuple(sorted(space.name for space in spaces)), systems=tuple(sorted(set(systems))),
                   conditions=conditions.strip(), reporter_summary=reporter_summary,
                   appeal_until=today + datetime.timedelta(days=settings.STEWARD_APPEAL_DAYS))

    @classmethod
    def enforced(cls, decision: Decision) -> Facts:
        """What the enforcement messages say of a decision: its kind, level and dates. None of its
        sealed texts is read, since neither the moderators nor the community are told any of them."""
        return cls(case=decision.case, level=decision.level, outcome=decision.outcome, subject=None,
                   starts_on=decision.starts_on, ends_on=decision.ends_on, spaces=(), systems=(), conditions="",
                   reporter_summary="", appeal_until=decision.appeal_until)


@dataclass(frozen=True)
class Written:
    """One message as it is stored and sent (the reported person's with the {appeal_link} slot)."""

    audience: str
    language: str
    report: int | None
    subject: str
    body: str


class _Slots(dict[str, str]):
    def __missing__(self, key: str) -> str:  # templates are checked when saved; an old one keeps its slot
        return "{" + key + "}"


def _fill(text: str, values: dict[str, str]) -> str:
    return string.Formatter().vformat(text, (), _Slots(values))


def interface(language: str) -> str:
    """Django's interface language for a message language (dates and labels inside the message)."""
    if language in INTERFACE:
        return INTERFACE[language]
    try:
        return translation.get_supported_language_variant(language.lower())
    except LookupError:
        return settings.LANGUAGE_CODE


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _consequence(facts: Facts, language: str) -> str:
    if facts.level is None:
        return str(Outcome(facts.outcome).label)
    made = LevelTranslation.objects.filter(level=facts.level, language=language).first()
    if made is not None and made.is_filled and made.source_digest == facts.level.digest:
        return made.consequence
    return facts.level.consequence


def _name(person: Person) -> str:
    identity = person.identities.select_related("data_key").order_by("pk").first()
    return identity.handle if identity is not None else _("community member")


def _ends(facts: Facts) -> str:
    if facts.ends_on is not None:
        return _date(facts.ends_on)
    if facts.level is not None and facts.level.is_ban:
        return _("no end date: the ban is permanent")
    return _("no end date")


def _values(facts: Facts, audience: str, language: str, message: MessageInput,
            given: Mapping[str, str]) -> dict[str, str]:
    values = {"organisation": settings.STEWARD_ORGANISATION_NAME, "contact": settings.STEWARD_CONTACT_EMAIL,
              "appeal_until": _date(facts.appeal_until)}
    if audience == Audience.REPORTER:
        return values | {"outcome": facts.reporter_summary.strip(),
                         "followup_link": settings.STEWARD_BASE_URL.rstrip("/") + reverse("reports:follow_up")}
    if audience in ENFORCEMENT:
        return values | {"consequence": _consequence(facts, language), "starts": _date(facts.starts_on),
                         "ends": _ends(facts), **given}
    systems = dict(System.choices)
    ends = _ends(facts)
    scope = "; ".join([", ".join(facts.spaces) or _("every space"),
                       ", ".join(str(systems.get(s, s)) for s in facts.systems) or _("every system")])
    return values | {
        "name": _name(facts.subject) if facts.subject is not None else _("community member"),
        "behaviour": message.behaviour.strip(), "impact": message.impact.strip(),
        "expected_change": message.expected_change.strip(), "consequence": _consequence(facts, language),
        "scope": scope, "starts": _date(facts.starts_on), "ends": ends,
        "conditions": facts.conditions.strip() or _("none"), "appeal_link": APPEAL_SLOT}


def _render(audience: str, subject: str, body: str, values: Mapping[str, str]) -> tuple[str, str]:
    """A template's texts filled with the values its audience may read (any other {slot} stays as
    written): the one fill of sent messages and of the staff page's preview."""
    allowed = {name: values[name] for name in PLACEHOLDERS[Audience(audience)] if name in values}
    return _fill(subject, allowed).replace("\n", " ").strip(), _fill(body, allowed)


def _write(template: MessageTemplate, facts: Facts, audience: str, message: MessageInput,
           report: int | None, given: Mapping[str, str] | None = None) -> Written:
    with translation.override(interface(template.language)):
        values = _values(facts, audience, template.language, message, given or {})
        subject, body = _render(audience, template.subject, template.body, values)
        return Written(audience=audience, language=template.language, report=report, subject=subject, body=body)


def reported_template(facts: Facts, language: str) -> MessageTemplate | None:
    """The reported person's template, when the decision names a person and its kind writes to them
    (an unknown person, an out-of-scope report or a flag writes only to the reporters)."""
    if facts.subject is None:
        return None
    return _template(facts.kind, Audience.REPORTED, language)


def check_input(facts: Facts, message: MessageInput) -> None:
    """The reported person's message needs what its template asks the decision maker to write."""
    if message.language not in languages():
        raise MessageError("message_language", _("Choose one of the languages messages are written in."))
    template = reported_template(facts, message.language)
    if template is None:
        return
    used = placeholders(template.subject) | placeholders(template.body)
    for field, label in WRITTEN_FIELDS.items():
        if field in used and not getattr(message, field).strip():
            raise MessageError(field, _("The message to the person the decision applies to describes %(what)s: "
                                        "write it, neutrally and without naming who reported.") % {"what": label})


def compose(facts: Facts, message: MessageInput) -> list[Written]:
    """Every message the decision sends, as stored and sent: the reported person's (when the
    decision names them and its kind writes to them), then one per report of the case, in the
    report's language. The one render function of the preview and of the decision."""
    check_input(facts, message)
    written = []
    template = reported_template(facts, message.language)
    if template is not None:
        written.append(_write(template, facts, Audience.REPORTED, message, None))
    for report in providers.reports().filed([facts.case.pk]):
        language = policy.locale_for(report.language or settings.LANGUAGE_CODE) or ENGLISH
        found = _template(facts.kind, Audience.REPORTER, language)
        if found is not None:
            written.append(_write(found, facts, Audience.REPORTER, message, report.pk))
    return written


def store(decision: Decision, message: MessageInput, *, by: User) -> list[DecisionMessage]:
    """Inside `record_decision`'s transaction: the decision's messages, sealed, each with its
    outbox email; a timeline event and an audit entry (counts and languages, no text)."""
    stored = []
    for each in compose(Facts.of(decision), message):
        row = DecisionMessage(decision=decision, case=decision.case, audience=each.audience,
                              language=each.language, report=each.report)
        row.subject, row.body = each.subject, each.body
        row.save(force_insert=True)
        outbox.send(DecisionMessageToSend(message=row.pk), key=f"decisions.decision_message.{row.pk}")
        stored.append(row)
    if stored:
        cases.record_event(decision.case, "decision_messages", by, count=len(stored))
        audit.record(by, "decision.messages", decision, detail={
            "case": decision.case_id, "messages": [[row.pk, row.audience, row.language, row.report] for row in stored]})
    return stored


# --- Enforcement: the moderators of affected spaces and the community announcement ---------------


def compose_for_moderators(decision_id: int, *, language: str, person: str, spaces: str,
                           what_to_do: str) -> tuple[str, str]:
    """The subject and body telling the moderators of `spaces` what to enforce and until when:
    `person` is the account names on their system, `what_to_do` what is asked of them. In
    `language` when its translation is current, else English. Stores and sends nothing."""
    return _enforcement_message(decision_id, Audience.MODERATORS, language,
                                {"person": person, "spaces": spaces, "what_to_do": what_to_do})


def compose_announcement(decision_id: int, *, language: str, person: str) -> tuple[str, str]:
    """The subject and body of the community announcement of a decision, naming `person` as the
    community knows them. In `language` when its translation is current, else English."""
    return _enforcement_message(decision_id, Audience.ANNOUNCEMENT, language, {"person": person})


def _enforcement_message(decision_id: int, audience: str, language: str, given: dict[str, str]) -> tuple[str, str]:
    for field, value in given.items():
        if not value.strip():
            raise MessageError(field, GIVEN[field])
    decision = Decision.objects.select_related("case", "level").filter(pk=decision_id).first()
    if decision is None:
        raise MessageError("decision", _("There is no such decision."))
    facts = Facts.enforced(decision)
    template = _template(facts.kind, audience, policy.locale_for(language) or ENGLISH)
    if template is None:
        raise MessageError("decision", _("A “%(kind)s” decision has no “%(audience)s” message: only the kinds that "
                                         "limit, suspend or ban someone have one.") % {
            "kind": kind_label(facts.kind), "audience": Audience(audience).label})
    written = _write(template, facts, audience, MessageInput(), None,
                     {field: value.strip() for field, value in given.items()})
    return written.subject, written.body


# --- Reading ----------------------------------------------------------------------------------


def for_reporter(case_id: int, report_id: int) -> DecisionMessage | None:
    """The message the case's decision in force wrote to this report's reporter (the follow-up page)."""
    return (DecisionMessage.objects.filter(case_id=case_id, report=report_id, audience=Audience.REPORTER,
                                           decision__set_aside_at__isnull=True)
            .select_related("case__data_key").order_by("-decision__decided_at", "-pk").first())


def sample_facts(audience: str = Audience.REPORTED) -> dict[str, str]:
    """Made-up values for previewing a template of `audience` on the staff page (nothing from any
    case). The enforcement audiences read a suspension's, as their texts exist only for sanctions."""
    today = timezone.localdate()
    if audience in ENFORCEMENT:
        return {"organisation": settings.STEWARD_ORGANISATION_NAME, "contact": settings.STEWARD_CONTACT_EMAIL,
                "person": "sam-example" if audience == Audience.MODERATORS else "Sam Example",
                "consequence": _("A suspension from community spaces, tools and events, with conditions for return."),
                "spaces": _("the project chat (#general, #help)"),
                "what_to_do": _("Remove the account from the rooms and do not let it post; remove any new account "
                                "that is plainly the same person."),
                "starts": _date(today), "ends": _date(today + datetime.timedelta(days=60))}
    return {"name": "sam-example", "organisation": settings.STEWARD_ORGANISATION_NAME,
            "behaviour": _("Repeated dismissive comments on other contributors' pull requests."),
            "impact": _("Several contributors said they felt unwelcome to take part in reviews."),
            "expected_change": _("Keep review comments about the code and assume good intent."),
            "consequence": _("A private, written warning."), "scope": _("every space; every system"),
            "starts": _date(today), "ends": _date(today + datetime.timedelta(days=30)), "conditions": _("none"),
            "appeal_until": _date(today + datetime.timedelta(days=settings.STEWARD_APPEAL_DAYS)),
            "appeal_link": settings.STEWARD_BASE_URL.rstrip("/") + "/l/appeal/…/",
            "contact": settings.STEWARD_CONTACT_EMAIL,
            "outcome": _("We spoke with the person and gave them a warning."),
            "followup_link": settings.STEWARD_BASE_URL.rstrip("/") + reverse("reports:follow_up")}


def preview_template(audience: str, language: str, subject: str, body: str) -> tuple[str, str]:
    """A template of `audience` filled with sample values, in its language, as a message is
    written (checked first by the caller)."""
    with translation.override(interface(language)):
        return _render(audience, subject, body, sample_facts(audience))
