"""Who may open which staff page: every URL under /staff/ (except the authentication pages),
for every role, in every relation to the case under test, against an explicit table.

Actors: anonymous visitors, staff without a role, and every role in `Role` in each relation to
the case: assigned to it, consulted on it (sharing every part, or only the summary), unrelated,
and conflicted (one of their linked accounts is a party to it). Conflicted staff get 404 on
every page of the case, so its existence is not confirmed to them.

Authentication pages are explicitly left out: /staff/login/ and /staff/logout/ (now only
names for django-allauth's pages) and everything under /staff/accounts/ (allauth: sign-in,
second factor, re-authentication, password, single sign-on). They show no case data,
every staff member (and, to sign in, every visitor) must reach them, and they are tested
in tests/core/test_auth_*.py.

The URLs come from the resolver, so a new staff page without a row here fails the
suite until someone decides who may use it. Every method a view accepts has its own row: the
views that show a form on GET and act on POST have their POST in `POSTS` (sent with input the
form rejects, so an allowed actor gets the form back with a 400 and nothing changes). Which
methods a view accepts is asked of the view itself (a PUT is refused with 405 and an Allow
header), so a view that starts accepting POST fails the suite until its POST row is written.
Refused requests must change nothing.

The objects are built once for the module; every test runs in a savepoint rolled back after it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from steward.cases.models import Case, CaseConflict, Consultation, Party, Status
from steward.core.models import OutboxMessage
from steward.core.roles import Role
from steward.registry import services as registry
from steward.registry.models import StaffAccount
from steward.reports import services as report_services
from steward.reports.models import Report
from steward.reports.uploads import CleanFile
from tests.conftest import login, make_staff, png_bytes

ASSIGNED, CONSULTED, NARROW, UNRELATED, CONFLICTED = "assigned", "consulted", "consulted_narrow", "unrelated", "conflicted"
RELATIONS = [ASSIGNED, CONSULTED, NARROW, UNRELATED, CONFLICTED]
ROLES = list(Role.values)
ACTORS = ["anonymous", "no_role", *[f"{role}:{relation}" for role in ROLES for relation in RELATIONS]]
EXCLUDED = {"staff/login/", "staff/logout/"}
AUTHENTICATION_PAGES = "staff/accounts/"  # django-allauth; see the module docstring
LOGIN_PATH = "/staff/login/"  # settings.LOGIN_URL: forwards to allauth's sign-in page

OK = "200"  # the page is shown
DONE = "302"  # the action ran (or was answered) and the browser is sent on, not to the sign-in page
DENIED = "403"
HIDDEN = "404"  # as if the case (or object) did not exist
INVALID = "400"  # allowed, and the input was refused: the form is shown again and nothing changed
LOGIN = "sign in"

T, H, D = Role.TRIAGER, Role.CASE_HANDLER, Role.DECISION_MAKER
SCREENER = Role.SCREENER
HR, LEGAL, SEC = Role.CONSULTANT_HR, Role.CONSULTANT_LEGAL, Role.CONSULTANT_SECURITY
ADMIN, AUDITOR = Role.ADMINISTRATOR, Role.AUDITOR
CONSULTANTS = {HR, LEGAL, SEC}
# The case under test is a P2 under investigation: decision makers and Security do not cover it.
# Assignment grants something to triagers and case handlers only (the roles that may be assigned).


@dataclass
class World:
    """The objects the staff URLs point at, built once for the module."""

    case: Case
    other_case: Case
    report: Report
    second_report: Report
    evidence_id: int
    version_id: int
    handler: User  # the case's assignee when the actor is not, and the target of the assign row
    neutral_consultation: int
    neutral_account: int
    media: Any
    users: dict[str, User] = field(default_factory=dict)
    consultations: dict[str, int] = field(default_factory=dict)  # actor -> their consultation
    accounts: dict[str, int] = field(default_factory=dict)  # actor -> their linked account
    possible_conflict: int = 0  # the handler's possible conflict (a reporter gave their address)
    delivery: int = 0  # an outbox message that failed every attempt
    api_token: int = 0  # an API token for the revoke row
    pending_token: int = 0  # a token made for the handler (not an actor), for the collect row
    ladder_id: int = 0  # a draft consequence ladder
    level_id: int = 0  # its most severe level (it can move down)
    proposal_id: int = 0  # an open proposed decision on the case
    ban_id: int = 0  # a temporary ban on the case (a breach can be recorded against it)
    check_in_id: int = 0  # a check-in after a return from that ban
    appeal_id: int = 0  # an open appeal against a decision on the case
    message_template_id: int = 0  # a decision message template (decisions/decision_messages.py)
    rollout_action: int = 0  # a step of the ban's rollout that needs a person (retry, mark done)
    manual_action: int = 0  # a step done by hand of that rollout (take over)
    screenings: dict[str, int] = field(default_factory=dict)  # screener actor -> their own screening
    referral_id: int = 0  # an open referral (a screening matched the person with a record)
    person_id: int = 0  # a person with a violation record
    name_id: int = 0  # their name
    identity_id: int = 0  # one of their accounts
    other_person_id: int = 0  # a person Steward suggests is the same (same name), with no record
    # Training authoring: a course with a published 1.0 and a draft 1.1 (its lesson with a quiz and a
    # question), a second course with only a published version, and an owner to remove.
    authoring: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """How to call one URL, and who gets what.

    `allow` names, per relation, the roles that get `ok`; every other role gets `denied`.
    Conflicted actors get `conflicted` (404 on the pages of the case) unless it is None, in which
    case the `allow` entry for CONFLICTED decides as for the other relations.
    """

    method: str
    path: Callable[[World, str], str]
    allow: dict[str, set[str]]
    ok: str = OK
    denied: str = DENIED
    conflicted: str | None = HIDDEN
    anonymous: str = LOGIN
    no_role: str | None = None  # None: as `denied`
    data: Callable[[World, str], dict[str, Any]] = lambda w, who: {}

    def expected(self, who: str) -> str:
        if who == "anonymous":
            return self.anonymous
        if who == "no_role":
            return self.no_role or self.denied
        role, relation = who.split(":")
        if relation == CONFLICTED and self.conflicted is not None:
            return self.conflicted
        return self.ok if role in self.allow[relation] else self.denied


def each(roles: set[str], conflicted: bool = True) -> dict[str, set[str]]:
    """The same roles whatever the relation to the case (pages that are not about the case)."""
    return {relation: set(roles) if conflicted or relation != CONFLICTED else set() for relation in RELATIONS}


def case_rows(assigned: set[str], consulted: set[str], narrow: set[str], unrelated: set[str]) -> dict[str, set[str]]:
    # Covering roles apply whatever the relation; conflicted is decided by Row.conflicted.
    return {ASSIGNED: assigned | unrelated, CONSULTED: consulted | unrelated, NARROW: narrow | unrelated,
            UNRELATED: unrelated, CONFLICTED: set()}


def level_fields(prefix: str) -> dict[str, str]:
    """A valid level of the consequence ladder, as its form posts it."""
    data = {"key": "matrix_level", "name": "Matrix level", "impact": "For the access table.", "consequence": "None.",
            "tool_access": "kept", "ban": "none", "default_duration_days": "0", "message_kind": "warning"}
    return {f"{prefix}-{key}": value for key, value in data.items()}


def case_url(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, who: f"/staff/cases/{w.case.pk}/{suffix}"


def own_consultation(action: str) -> Callable[[World, str], str]:
    return lambda w, who: f"/staff/consultations/{w.consultations.get(who, w.neutral_consultation)}/{action}/"


WORKERS = {T, H}  # may be assigned, and then work the case
AUTHORS = {Role.TRAINER, ADMIN}  # training coordinators (a course's owners too, and none of the actors owns one)


def training(suffix: str) -> Callable[[World, str], str]:
    """A training authoring page, its ids from World.authoring ("courses/{course}/" …)."""
    return lambda w, who: "/staff/training/" + suffix.format(**w.authoring)


def translation_file(w: World, who: str) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("de.toml", b'title = "Matrix-Kurs"\n')}


def png_file(name: str = "diagram.png") -> SimpleUploadedFile:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), "navy").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def image_file(w: World, who: str) -> dict[str, Any]:
    return {"file": png_file()}


WORKING_GROUP = {Role.WORKING_GROUP, HR, LEGAL}
READERS = {T, H}
# What a consultation grants: the consultant roles read the case page (and answer); the
# evidence only when the consultation shares it.
TABLE: dict[str, Row] = {
    # /staff/ sends each staff member on to the first page their roles open.
    "staff/": Row("get", lambda w, who: "/staff/", each(set(ROLES)), ok=DONE, conflicted=None, no_role=DONE),
    # The last step of setting up a second factor: every staff member, then on to their first page.
    "staff/me/recovery-codes/saved/": Row(
        "post", lambda w, who: "/staff/me/recovery-codes/saved/", each(set(ROLES)), ok=DONE, conflicted=None, no_role=DONE),
    "staff/cases/": Row("get", lambda w, who: "/staff/cases/", each({T, H, D, *CONSULTANTS}), conflicted=None),
    "staff/cases/<int:case_id>/": Row("get", case_url(), case_rows(WORKERS, CONSULTANTS, CONSULTANTS, {T})),
    "staff/cases/<int:case_id>/triage/": Row("get", case_url("triage/"), case_rows(set(), set(), set(), {T})),
    "staff/cases/<int:case_id>/assign/": Row(
        "post", case_url("assign/"), case_rows(set(), set(), set(), {T}), ok=DONE, data=lambda w, who: {"assignee": w.handler.pk}),
    "staff/cases/<int:case_id>/status/": Row(
        "post", case_url("status/"), case_rows(WORKERS, set(), set(), {T}), ok=DONE,
        data=lambda w, who: {"to": "closed", "reason": "Out of scope"}),
    "staff/cases/<int:case_id>/notes/": Row(
        "post", case_url("notes/"), case_rows(WORKERS, set(), set(), {T}), ok=DONE, data=lambda w, who: {"body": "A note"}),
    "staff/cases/<int:case_id>/title/": Row(
        "post", case_url("title/"), case_rows(WORKERS, set(), set(), {T}), ok=DONE,
        data=lambda w, who: {"title": "Insults in code review"}),
    "staff/cases/<int:case_id>/parties/": Row(
        "post", case_url("parties/"), case_rows(WORKERS, set(), set(), {T}), ok=DONE,
        data=lambda w, who: {"role": "witness", "system": "github", "handle": "wendy"}),
    "staff/cases/<int:case_id>/merge/": Row(
        "post", case_url("merge/"), case_rows(set(), set(), set(), {T}), ok=DONE,
        data=lambda w, who: {"cases": w.other_case.reference}),
    "staff/cases/<int:case_id>/split/": Row(
        "post", case_url("split/"), case_rows(set(), set(), set(), {T}), ok=DONE, data=lambda w, who: {"report": w.second_report.pk}),
    "staff/cases/<int:case_id>/conflict/": Row(
        "post", case_url("conflict/"), case_rows(WORKERS, CONSULTANTS, CONSULTANTS, {T}), ok=DONE,
        data=lambda w, who: {"reason": "I know the reporter."}),
    "staff/cases/<int:case_id>/conflicts/<int:conflict_id>/": Row(
        "post", lambda w, who: f"/staff/cases/{w.case.pk}/conflicts/{w.possible_conflict}/",
        case_rows(set(), set(), set(), {T}), ok=DONE, data=lambda w, who: {"decision": "confirm"}),
    "staff/cases/<int:case_id>/consultations/": Row(
        "post", case_url("consultations/"), case_rows(WORKERS, set(), set(), {T}), ok=DONE,
        data=lambda w, who: {"kind": "legal", "consultant": w.users[f"{LEGAL}:{UNRELATED}"].pk, "parts": ["summary"],
                             "question": "Is this defamation?"}),
    "staff/cases/<int:case_id>/access/": Row("get", case_url("access/"), case_rows(set(), set(), set(), {AUDITOR})),
    "staff/cases/<int:case_id>/decision/": Row("get", case_url("decision/"), case_rows(set(), set(), set(), {T})),
    # Appeals: decision makers list the open ones; deciding one needs a decided case they cover,
    # which the case under test (under investigation) is not.
    "staff/appeals/": Row("get", lambda w, who: "/staff/appeals/", each({D}), conflicted=None),
    "staff/appeals/<int:appeal_id>/": Row(
        "get", lambda w, who: f"/staff/appeals/{w.appeal_id}/", case_rows(set(), set(), set(), set())),
    "staff/cases/<int:case_id>/erase/": Row("get", case_url("erase/"), case_rows(set(), set(), set(), {ADMIN, D})),
    "staff/consultations/": Row("get", lambda w, who: "/staff/consultations/", each(CONSULTANTS), conflicted=None),
    # A consultant answers their own consultation; the neutral one (Security's) is not theirs.
    "staff/consultations/<int:consultation_id>/answer/": Row(
        "post", own_consultation("answer"), case_rows(set(), CONSULTANTS, CONSULTANTS, set()), ok=DONE,
        data=lambda w, who: {"answer": "No legal exposure here."}),
    "staff/consultations/<int:consultation_id>/withdraw/": Row(
        "post", own_consultation("withdraw"), case_rows(WORKERS, set(), set(), {T}), ok=DONE),
    "staff/reports/new/": Row("get", lambda w, who: "/staff/reports/new/", each({T, H}), conflicted=None),
    "staff/reports/<int:report_id>/message/": Row(
        "post", lambda w, who: f"/staff/reports/{w.report.pk}/message/", case_rows(WORKERS, set(), set(), {T}), ok=DONE,
        data=lambda w, who: {"body": "Could you tell us more?"}),
    "staff/evidence/<int:evidence_id>/": Row(
        "get", lambda w, who: f"/staff/evidence/{w.evidence_id}/", case_rows(WORKERS, CONSULTANTS, set(), {T})),
    # The re-encoded preview of an image: exactly who may download the original.
    "staff/evidence/<int:evidence_id>/preview/": Row(
        "get", lambda w, who: f"/staff/evidence/{w.evidence_id}/preview/", case_rows(WORKERS, CONSULTANTS, set(), {T})),
    # Every staff member lists their own accounts; removing works on one's own account only.
    "staff/me/accounts/": Row("get", lambda w, who: "/staff/me/accounts/", each(set(ROLES)), conflicted=None, no_role=OK),
    "staff/me/accounts/<int:account_id>/remove/": Row(
        "post", lambda w, who: f"/staff/me/accounts/{w.accounts.get(who, w.neutral_account)}/remove/",
        {**each(set()), CONFLICTED: set(ROLES)}, ok=DONE, denied=HIDDEN, conflicted=None),
    "staff/people/": Row("get", lambda w, who: "/staff/people/", each({ADMIN}), conflicted=None),
    "staff/people/invite/": Row("get", lambda w, who: "/staff/people/invite/", each({ADMIN}), conflicted=None),
    "staff/people/<int:user_id>/roles/": Row(
        "get", lambda w, who: f"/staff/people/{w.handler.pk}/roles/", each({ADMIN}), conflicted=None),
    "staff/people/<int:user_id>/offboard/": Row(
        "post", lambda w, who: f"/staff/people/{w.handler.pk}/offboard/", each({ADMIN}), ok=DONE, conflicted=None),
    "staff/people/export/": Row("get", lambda w, who: "/staff/people/export/", each({ADMIN}), conflicted=None),
    # Rollouts: enforcers on every case, decision makers on the cases they decide (not this one).
    "staff/cases/<int:case_id>/rollout/": Row("get", case_url("rollout/"), case_rows(set(), set(), set(), {Role.ENFORCER})),
    "staff/cases/<int:case_id>/rollout/actions/<int:action_id>/retry/": Row(
        "post", lambda w, who: f"/staff/cases/{w.case.pk}/rollout/actions/{w.rollout_action}/retry/",
        case_rows(set(), set(), set(), {Role.ENFORCER}), ok=DONE),
    "staff/cases/<int:case_id>/rollout/actions/<int:action_id>/done/": Row(
        "post", lambda w, who: f"/staff/cases/{w.case.pk}/rollout/actions/{w.rollout_action}/done/",
        case_rows(set(), set(), set(), {Role.ENFORCER}), ok=DONE, data=lambda w, who: {"note": "Banned by hand."}),
    "staff/cases/<int:case_id>/rollout/actions/<int:action_id>/take/": Row(
        "post", lambda w, who: f"/staff/cases/{w.case.pk}/rollout/actions/{w.manual_action}/take/",
        case_rows(set(), set(), set(), {Role.ENFORCER}), ok=DONE),
    "staff/rollouts/": Row("get", lambda w, who: "/staff/rollouts/", each({Role.ENFORCER, D}), conflicted=None),
    "staff/connectors/": Row("get", lambda w, who: "/staff/connectors/", each({ADMIN}), conflicted=None),
    "staff/connectors/<str:system>/": Row("get", lambda w, who: "/staff/connectors/matrix/", each({ADMIN}),
                                          conflicted=None),
    # Nothing is configured in the table's world: an administrator is told so, on the settings page.
    "staff/connectors/<str:system>/test/": Row("post", lambda w, who: "/staff/connectors/matrix/test/", each({ADMIN}),
                                               ok=DONE, conflicted=None),
    "staff/deliveries/": Row("get", lambda w, who: "/staff/deliveries/", each({ADMIN}), conflicted=None),
    "staff/deliveries/<int:message_id>/retry/": Row(
        "post", lambda w, who: f"/staff/deliveries/{w.delivery}/retry/", each({ADMIN}), ok=DONE, conflicted=None),
    # API tokens: administrators create (after a recent sign-in) and revoke them.
    "staff/api-tokens/": Row("get", lambda w, who: "/staff/api-tokens/", each({ADMIN}), conflicted=None),
    "staff/api-tokens/new/": Row("get", lambda w, who: "/staff/api-tokens/new/", each({ADMIN}), conflicted=None),
    "staff/api-tokens/<int:token_id>/revoke/": Row(
        "post", lambda w, who: f"/staff/api-tokens/{w.api_token}/revoke/", each({ADMIN}), ok=DONE, conflicted=None),
    # Every staff member lists the tokens acting for them; only the owner collects one (the handler's here).
    "staff/me/api-tokens/": Row("get", lambda w, who: "/staff/me/api-tokens/", each(set(ROLES)), conflicted=None, no_role=OK),
    "staff/me/api-tokens/<int:token_id>/collect/": Row(
        "post", lambda w, who: f"/staff/me/api-tokens/{w.pending_token}/collect/", each(set()), denied=HIDDEN, conflicted=None),
    "staff/access/": Row("get", lambda w, who: "/staff/access/", each({AUDITOR}), conflicted=None),
    "staff/consultation-rules/": Row("get", lambda w, who: "/staff/consultation-rules/", each({ADMIN}), conflicted=None),
    # Guidelines: administrators edit them; the guidance on receiving a report is for all staff.
    "staff/guidelines/": Row("get", lambda w, who: "/staff/guidelines/", each({ADMIN}), conflicted=None),
    "staff/guidelines/<int:version_id>/": Row(
        "get", lambda w, who: f"/staff/guidelines/{w.version_id}/", each({ADMIN}), conflicted=None),
    "staff/guidelines/<int:version_id>/publish/": Row(
        "get", lambda w, who: f"/staff/guidelines/{w.version_id}/publish/", each({ADMIN}), conflicted=None),
    "staff/guidelines/<int:version_id>/delete/": Row(
        "post", lambda w, who: f"/staff/guidelines/{w.version_id}/delete/", each({ADMIN}), ok=DONE, conflicted=None),
    "staff/guidelines/<int:version_id>/translations/": Row(
        "get", lambda w, who: f"/staff/guidelines/{w.version_id}/translations/", each({ADMIN}), conflicted=None),
    "staff/guidelines/<int:version_id>/translations/<str:locale>/": Row(
        "get", lambda w, who: f"/staff/guidelines/{w.version_id}/translations/de/", each({ADMIN}), conflicted=None),
    "staff/receiving-a-report/": Row(
        "get", lambda w, who: "/staff/receiving-a-report/", each(set(ROLES)), conflicted=None, no_role=OK),
    # The consequence ladder: administrators edit it, everyone who decides reads it.
    # Interim measures and breaches: whoever may decide the case (triagers here); check-ins: who adds notes.
    "staff/cases/<int:case_id>/interim/": Row("get", case_url("interim/"), case_rows(set(), set(), set(), {T})),
    "staff/decisions/<int:decision_id>/breach/": Row(
        "get", lambda w, who: f"/staff/decisions/{w.ban_id}/breach/", case_rows(set(), set(), set(), {T})),
    "staff/check-ins/<int:check_in_id>/": Row(
        "get", lambda w, who: f"/staff/check-ins/{w.check_in_id}/", case_rows(WORKERS, set(), set(), {T})),
    "staff/ladder/": Row("get", lambda w, who: "/staff/ladder/", each({ADMIN, D, T}), conflicted=None),
    "staff/ladder/<int:ladder_id>/": Row(
        "get", lambda w, who: f"/staff/ladder/{w.ladder_id}/", each({ADMIN, D, T}), conflicted=None),
    # A draft is open, so starting another version is refused (and changes nothing): back to the ladder.
    "staff/ladder/new-version/": Row(
        "post", lambda w, who: "/staff/ladder/new-version/", each({ADMIN}), ok=DONE, conflicted=None),
    "staff/ladder/<int:ladder_id>/publish/": Row(
        "post", lambda w, who: f"/staff/ladder/{w.ladder_id}/publish/", each({ADMIN}), ok=DONE, conflicted=None),
    "staff/ladder/<int:ladder_id>/discard/": Row(
        "post", lambda w, who: f"/staff/ladder/{w.ladder_id}/discard/", each({ADMIN}), ok=DONE, conflicted=None),
    "staff/ladder/<int:ladder_id>/levels/": Row(
        "post", lambda w, who: f"/staff/ladder/{w.ladder_id}/levels/", each({ADMIN}), ok=DONE, conflicted=None,
        data=lambda w, who: level_fields("new")),
    "staff/ladder/levels/<int:level_id>/": Row(
        "post", lambda w, who: f"/staff/ladder/levels/{w.level_id}/", each({ADMIN}), ok=DONE, conflicted=None,
        data=lambda w, who: level_fields(f"level-{w.level_id}")),
    "staff/ladder/levels/<int:level_id>/move/": Row(
        "post", lambda w, who: f"/staff/ladder/levels/{w.level_id}/move/", each({ADMIN}), ok=DONE, conflicted=None,
        data=lambda w, who: {"direction": "down"}),
    "staff/ladder/levels/<int:level_id>/remove/": Row(
        "post", lambda w, who: f"/staff/ladder/levels/{w.level_id}/remove/", each({ADMIN}), ok=DONE, conflicted=None),
    # Proposals: whoever decides the case takes its steps (a refused step is said on the decision
    # page); signing off is for decision makers, who do not cover this case.
    "staff/proposals/<int:proposal_id>/vote/": Row(
        "post", lambda w, who: f"/staff/proposals/{w.proposal_id}/vote/", case_rows(set(), set(), set(), set()),
        ok=DONE, data=lambda w, who: {"vote": "approve"}),
    "staff/proposals/<int:proposal_id>/enact/": Row(
        "post", lambda w, who: f"/staff/proposals/{w.proposal_id}/enact/", case_rows(set(), set(), set(), {T}), ok=DONE),
    "staff/proposals/<int:proposal_id>/withdraw/": Row(
        "post", lambda w, who: f"/staff/proposals/{w.proposal_id}/withdraw/", case_rows(set(), set(), set(), {T}),
        ok=DONE),
    "staff/proposals/<int:proposal_id>/request-response/": Row(
        "post", lambda w, who: f"/staff/proposals/{w.proposal_id}/request-response/",
        case_rows(set(), set(), set(), {T}), ok=DONE),
    "staff/proposals/<int:proposal_id>/record-response/": Row(
        "post", lambda w, who: f"/staff/proposals/{w.proposal_id}/record-response/",
        case_rows(set(), set(), set(), {T}), ok=DONE),
    "staff/proposals/<int:proposal_id>/tell-reporters/": Row(
        "post", lambda w, who: f"/staff/proposals/{w.proposal_id}/tell-reporters/",
        case_rows(set(), set(), set(), {T}), ok=DONE, data=lambda w, who: {"text": "A warning is proposed."}),
    # The decision policy: administrators only.
    "staff/decision-policy/": Row("get", lambda w, who: "/staff/decision-policy/", each({ADMIN}), conflicted=None),
    # The decision message templates: whoever edits the ladder (administrators).
    "staff/decision-messages/": Row("get", lambda w, who: "/staff/decision-messages/", each({ADMIN}), conflicted=None),
    "staff/decision-messages/<int:template_id>/": Row(
        "get", lambda w, who: f"/staff/decision-messages/{w.message_template_id}/", each({ADMIN}), conflicted=None),
    # Screening: screeners, each on their own screenings only; the working group (its role, HR and
    # Legal) works the referrals and the registry's people; HR and Legal enter records.
    "staff/screening/": Row("get", lambda w, who: "/staff/screening/", each({SCREENER}), conflicted=None),
    "staff/screening/person/": Row("post", lambda w, who: "/staff/screening/person/", each({SCREENER}), ok=DONE,
                                   conflicted=None, data=lambda w, who: {"one-purpose": "grant", "one-name": "Ada Lovelace"}),
    "staff/screening/file/": Row("post", lambda w, who: "/staff/screening/file/", each({SCREENER}), ok=DONE,
                                 conflicted=None, data=lambda w, who: {"csv-purpose": "event", "csv-file": SimpleUploadedFile(
                                     "applicants.csv", b"name,emails,accounts\nAda Lovelace,ada@example.org,\n")}),
    "staff/screening/<int:screening_id>/": Row("get", lambda w, who: f"/staff/screening/{own_screening(w, who)}/",
                                               each({SCREENER}), conflicted=None),
    "staff/screening/<int:screening_id>/answers.csv": Row(
        "get", lambda w, who: f"/staff/screening/{own_screening(w, who)}/answers.csv", each({SCREENER}), conflicted=None),
    "staff/referrals/": Row("get", lambda w, who: "/staff/referrals/", each(WORKING_GROUP), conflicted=None),
    "staff/referrals/<int:referral_id>/": Row(
        "get", lambda w, who: f"/staff/referrals/{w.referral_id}/", each(WORKING_GROUP), conflicted=None),
    "staff/registry/": Row("get", lambda w, who: "/staff/registry/", each(WORKING_GROUP), conflicted=None),
    "staff/registry/people/<int:person_id>/": Row(
        "get", lambda w, who: f"/staff/registry/people/{w.person_id}/", each(WORKING_GROUP), conflicted=None),
    "staff/registry/people/<int:person_id>/names/": Row(
        "post", lambda w, who: f"/staff/registry/people/{w.person_id}/names/", each(WORKING_GROUP), ok=DONE,
        conflicted=None, data=lambda w, who: {"name-name": "D. Ivanov", "name-kind": "alias", "name-reason": "Signs so."}),
    "staff/registry/people/<int:person_id>/names/<int:name_id>/remove/": Row(
        "post", lambda w, who: f"/staff/registry/people/{w.person_id}/names/{w.name_id}/remove/", each(WORKING_GROUP),
        ok=DONE, conflicted=None, data=lambda w, who: {"reason-reason": "Misspelt."}),
    "staff/registry/people/<int:person_id>/accounts/": Row(
        "post", lambda w, who: f"/staff/registry/people/{w.person_id}/accounts/", each(WORKING_GROUP), ok=DONE,
        conflicted=None, data=lambda w, who: {"link-system": "gitlab", "link-handle": "divanov", "link-reason": "Same."}),
    "staff/registry/people/<int:person_id>/accounts/<int:identity_id>/unlink/": Row(
        "post", lambda w, who: f"/staff/registry/people/{w.person_id}/accounts/{w.identity_id}/unlink/",
        each(WORKING_GROUP), ok=DONE, conflicted=None, data=lambda w, who: {"reason-reason": "Not theirs."}),
    "staff/registry/people/<int:person_id>/merge/<int:other_id>/": Row(
        "post", lambda w, who: f"/staff/registry/people/{w.person_id}/merge/{w.other_person_id}/", each(WORKING_GROUP),
        ok=DONE, conflicted=None, data=lambda w, who: {"reason-reason": "Checked: the same person."}),
    "staff/registry/records/new/": Row("get", lambda w, who: "/staff/registry/records/new/", each({HR, LEGAL}),
                                       conflicted=None),
    "staff/registry/records/import/": Row("get", lambda w, who: "/staff/registry/records/import/", each({HR, LEGAL}),
                                          conflicted=None),
    **{route: Row(method, path, each(AUTHORS), conflicted=None, ok=DONE if method == "post" else OK, data=data)
       for route, (method, path, data) in {
           "staff/training/courses/": ("get", training("courses/"), None),
           "staff/training/courses/import/": ("get", training("courses/import/"), None),
           "staff/training/courses/<int:course_id>/": ("get", training("courses/{course}/"), None),
           "staff/training/courses/<int:course_id>/versions/": (
               "post", training("courses/{other_course}/versions/"), lambda w, who: {"kind": "minor"}),
           "staff/training/courses/<int:course_id>/owners/": (
               "post", training("courses/{course}/owners/"), lambda w, who: {"user": w.users[f"{T}:{UNRELATED}"].pk}),
           "staff/training/courses/<int:course_id>/owners/<int:user_id>/remove/": (
               "post", training("courses/{course}/owners/{owner}/remove/"), None),
           "staff/training/versions/<int:version_id>/": ("get", training("versions/{draft}/"), None),
           "staff/training/versions/<int:version_id>/publish/": ("get", training("versions/{draft}/publish/"), None),
           "staff/training/versions/<int:version_id>/delete/": ("post", training("versions/{draft}/delete/"), None),
           "staff/training/versions/<int:version_id>/export/": ("get", training("versions/{draft}/export/"), None),
           "staff/training/versions/<int:version_id>/import/": ("get", training("versions/{draft}/import/"), None),
           "staff/training/versions/<int:version_id>/lessons/new/": ("get", training("versions/{draft}/lessons/new/"), None),
           "staff/training/versions/<int:version_id>/images/": ("post", training("versions/{draft}/images/"), image_file),
           "staff/training/images/<int:image_id>/delete/": ("post", training("images/{image}/delete/"), None),
           "staff/training/versions/<int:version_id>/translations/": ("get", training("versions/{draft}/translations/"), None),
           "staff/training/versions/<int:version_id>/translations/<str:language>/": (
               "get", training("versions/{draft}/translations/de/"), None),
           "staff/training/versions/<int:version_id>/translations/<str:language>/import/": (
               "post", training("versions/{draft}/translations/de/import/"), translation_file),
           "staff/training/versions/<int:version_id>/translations/<str:language>/export/": (
               "get", training("versions/{draft}/translations/de/export/"), None),
           "staff/training/lessons/<int:lesson_id>/": ("get", training("lessons/{lesson}/"), None),
           "staff/training/lessons/<int:lesson_id>/move/": ("post", training("lessons/{lesson}/move/"),
                                                           lambda w, who: {"direction": "up"}),
           "staff/training/lessons/<int:lesson_id>/delete/": ("post", training("lessons/{lesson}/delete/"), None),
           "staff/training/lessons/<int:lesson_id>/quiz/": ("get", training("lessons/{lesson}/quiz/"), None),
           "staff/training/lessons/<int:lesson_id>/quiz/delete/": ("post", training("lessons/{lesson}/quiz/delete/"), None),
           "staff/training/lessons/<int:lesson_id>/questions/new/": ("get", training("lessons/{lesson}/questions/new/"), None),
           "staff/training/questions/<int:question_id>/": ("get", training("questions/{question}/"), None),
           "staff/training/questions/<int:question_id>/delete/": ("post", training("questions/{question}/delete/"), None),
       }.items() for data in [data or (lambda w, who: {})]},
    # The training dashboard, its CSV and certificates: coordinators and auditors; a course's survey
    # comments: its owners only (none of the actors owns a course), missing for everyone else.
    "staff/training/": Row("get", training(""), each({Role.TRAINER, ADMIN, AUDITOR}), conflicted=None),
    "staff/training/completions.csv": Row("get", training("completions.csv"), each({Role.TRAINER, ADMIN, AUDITOR}),
                                          conflicted=None),
    "staff/training/completions/<int:completion_id>/certificate.pdf": Row(
        "get", training("completions/{completion}/certificate.pdf"), each({Role.TRAINER, ADMIN, AUDITOR}),
        denied=HIDDEN, conflicted=None),
    "staff/training/courses/<int:course_id>/survey/comments/": Row(
        "get", training("courses/{course}/survey/comments/"), each(set()), denied=HIDDEN, conflicted=None),
    # Staff profiles (what training's role rules read): administrators.
    "staff/people/<int:user_id>/profile/": Row(
        "get", lambda w, who: f"/staff/people/{w.handler.pk}/profile/", each({ADMIN}), conflicted=None),
    # Who must take what (training/assign_views.py): training coordinators and administrators.
    "staff/training/rules/": Row("get", lambda w, who: "/staff/training/rules/", each({Role.TRAINER, ADMIN}),
                                 conflicted=None),
    "staff/training/rules/new/": Row("get", lambda w, who: "/staff/training/rules/new/", each({Role.TRAINER, ADMIN}),
                                     conflicted=None),
    "staff/training/rules/<int:rule_id>/": Row(
        "get", lambda w, who: f"/staff/training/rules/{training_rule()}/", each({Role.TRAINER, ADMIN}), conflicted=None),
    "staff/training/rules/<int:rule_id>/deactivate/": Row(
        "post", lambda w, who: f"/staff/training/rules/{training_rule()}/deactivate/", each({Role.TRAINER, ADMIN}),
        ok=DONE, conflicted=None),
    "staff/training/learners/": Row("get", lambda w, who: "/staff/training/learners/", each({Role.TRAINER, ADMIN}),
                                    conflicted=None),
    "staff/training/learners/new/": Row(
        "get", lambda w, who: "/staff/training/learners/new/", each({Role.TRAINER, ADMIN}), conflicted=None),
    "staff/training/learners/<int:learner_id>/assign/": Row(
        "get", lambda w, who: f"/staff/training/learners/{training_learner()}/assign/", each({Role.TRAINER, ADMIN}),
        conflicted=None),
}


def own_screening(w: World, who: str) -> int:
    """The actor's own screening; anyone else is sent to a screener's (and refused)."""
    return w.screenings.get(who, w.screenings[f"{SCREENER}:{UNRELATED}"])


def rejected_input(w: World, who: str) -> dict[str, Any]:
    # A bound form missing every required field: the view must refuse it without changing anything.
    return {"matrix": "input the form rejects"}


def same_as_get(route: str) -> Row:
    """The POST of a form page: the same people as its GET, sent input the form rejects."""
    get = TABLE[route]
    return Row("post", get.path, get.allow, ok=INVALID, denied=get.denied, conflicted=get.conflicted,
               anonymous=get.anonymous, no_role=INVALID if get.no_role == OK else get.no_role, data=rejected_input)


# The views that show a form on GET and act on POST.
POSTS: dict[str, Row] = {route: same_as_get(route) for route in (
    "staff/cases/<int:case_id>/triage/",
    "staff/cases/<int:case_id>/decision/",
    "staff/appeals/<int:appeal_id>/",
    "staff/cases/<int:case_id>/erase/",
    "staff/reports/new/",
    "staff/me/accounts/",
    "staff/people/export/",
    "staff/people/invite/",
    "staff/api-tokens/new/",
    "staff/guidelines/",
    "staff/guidelines/<int:version_id>/",
    "staff/consultation-rules/",
    "staff/decision-policy/",
    "staff/decision-messages/<int:template_id>/",
    "staff/cases/<int:case_id>/interim/",
    "staff/decisions/<int:decision_id>/breach/",
    "staff/check-ins/<int:check_in_id>/",
    "staff/connectors/<str:system>/",
    "staff/referrals/<int:referral_id>/",
    "staff/registry/records/new/",
    "staff/registry/records/import/",
    "staff/training/courses/",
    "staff/training/courses/import/",
    "staff/training/versions/<int:version_id>/",
    "staff/training/versions/<int:version_id>/import/",
    "staff/training/versions/<int:version_id>/lessons/new/",
    "staff/training/lessons/<int:lesson_id>/",
    "staff/training/lessons/<int:lesson_id>/quiz/",
    "staff/training/lessons/<int:lesson_id>/questions/new/",
    "staff/training/questions/<int:question_id>/",
    "staff/training/rules/new/",
    "staff/training/rules/<int:rule_id>/",
    "staff/training/learners/new/",
    "staff/training/learners/<int:learner_id>/assign/",
)} | {
    # The ladder's forms: only administrators reach them; the input is refused.
    "staff/ladder/": Row("post", lambda w, who: "/staff/ladder/", each({ADMIN}), ok=INVALID, conflicted=None,
                         data=rejected_input),
    "staff/ladder/<int:ladder_id>/": Row("post", lambda w, who: f"/staff/ladder/{w.ladder_id}/", each({ADMIN}),
                                         ok=INVALID, conflicted=None, data=rejected_input),
    # Forms with no required field: any POST acts (sets the roles, publishes the draft, saves the translation).
    "staff/people/<int:user_id>/roles/": Row(
        "post", TABLE["staff/people/<int:user_id>/roles/"].path, each({ADMIN}), ok=DONE, conflicted=None,
        data=lambda w, who: {"roles": [H, T]}),
    "staff/guidelines/<int:version_id>/publish/": Row(
        "post", lambda w, who: f"/staff/guidelines/{w.version_id}/publish/", each({ADMIN}), ok=DONE, conflicted=None),
    "staff/guidelines/<int:version_id>/translations/<str:locale>/": Row(
        "post", lambda w, who: f"/staff/guidelines/{w.version_id}/translations/de/", each({ADMIN}), ok=DONE, conflicted=None,
        data=lambda w, who: {"title": "Verhaltenskodex"}),
    # Publishing takes no input (the draft is valid); a translation's fields are all optional.
    "staff/training/versions/<int:version_id>/publish/": Row(
        "post", training("versions/{draft}/publish/"), each(AUTHORS), ok=DONE, conflicted=None),
    "staff/training/versions/<int:version_id>/translations/<str:language>/": Row(
        "post", training("versions/{draft}/translations/de/"), each(AUTHORS), ok=DONE, conflicted=None,
        data=lambda w, who: {"t0": "Erste Hilfe"}),
    # The profile form has no required field: a POST saves it.
    "staff/people/<int:user_id>/profile/": Row(
        "post", lambda w, who: f"/staff/people/{w.handler.pk}/profile/", each({ADMIN}), ok=DONE, conflicted=None,
        data=lambda w, who: {"job_title": "Case handler"}),
}
ROWS: dict[tuple[str, str], Row] = {**{(route, row.method): row for route, row in TABLE.items()},
                                    **{(route, row.method): row for route, row in POSTS.items()}}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def staff_routes() -> list[str]:
    return sorted({route for route in _walk(get_resolver().url_patterns)
                   if route.startswith("staff/") and route not in EXCLUDED and not route.startswith(AUTHENTICATION_PAGES)})


def test_every_staff_url_is_in_the_table():
    routes = staff_routes()
    assert "staff/cases/<int:case_id>/" in routes  # the walk found the case pages
    missing = [route for route in routes if route not in TABLE]
    assert not missing, f"staff URLs without a row in the access table: {missing}"
    stale = sorted(set(TABLE) - set(routes))
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def test_authentication_pages_are_the_only_staff_urls_left_out():
    every = {route for route in _walk(get_resolver().url_patterns) if route.startswith("staff/")}
    left_out = every - set(staff_routes())
    assert "staff/accounts/login/" in left_out
    assert "staff/accounts/2fa/totp/activate/" in left_out
    assert all(route in EXCLUDED or route.startswith(AUTHENTICATION_PAGES) for route in left_out)


def accepted_methods(client: Client, path: str) -> set[str]:
    """The methods a view answers, from the 405 its method check gives a PUT (sent signed in,
    so that the sign-in check passes and the method check is what answers)."""
    response = client.put(path)
    assert response.status_code == 405, f"{path} does not declare the methods it accepts (PUT got {response.status_code})"
    return {method.strip() for method in response["Allow"].split(",")} - {"HEAD", "OPTIONS"}


def test_every_method_each_staff_view_accepts_has_a_row(world):
    client = login(world.users[f"{ADMIN}:{UNRELATED}"])
    rows = {(route, method.upper()) for route, method in ROWS}
    for route in staff_routes():
        if route not in TABLE:
            continue  # reported by test_every_staff_url_is_in_the_table
        methods = accepted_methods(client, TABLE[route].path(world, f"{ADMIN}:{UNRELATED}"))
        assert methods <= {"GET", "POST"}, route
        assert {(route, method) for method in methods} == {row for row in rows if row[0] == route}, (
            f"{route} accepts {sorted(methods)}; the table has rows for {sorted(m for r, m in rows if r == route)}")


def test_every_row_names_every_relation_and_only_known_roles():
    assert len(ACTORS) == 2 + len(Role.values) * len(RELATIONS)
    for route, row in TABLE.items():
        assert set(row.allow) == set(RELATIONS), route
        assert all(set(roles) <= set(ROLES) for roles in row.allow.values()), route
        assert row.method in {"get", "post"}, route
        assert {row.expected(who) for who in ACTORS} <= {OK, DONE, DENIED, HIDDEN, LOGIN}, route
    for route, row in POSTS.items():
        assert route in TABLE and TABLE[route].method == "get" and row.method == "post", route
        assert set(row.allow) == set(RELATIONS), route
        assert {row.expected(who) for who in ACTORS} <= {INVALID, DONE, DENIED, HIDDEN, LOGIN}, route


WRITE = re.compile(r"""\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)""", re.IGNORECASE)


def watched_models(leave_out: frozenset[str] | set[str] = frozenset()) -> list[type[Model]]:
    """Every Steward model (many-to-many tables included) and users' and groups'."""
    return [m for m in apps.get_models(include_auto_created=True)
            if (m._meta.app_config.name.startswith("steward.") or m._meta.app_label == "auth")
            and m._meta.label not in leave_out]


@contextmanager
def changes(leave_out: frozenset[str] | set[str] = frozenset()) -> Iterator[list[str]]:
    """The writes a block makes to the watched tables, one "table: rows" line per statement that
    changed rows: a refused request may make none. Read from each statement's row count as it
    runs, so a change undone later in the request is caught too, at a fraction of the cost of
    comparing every row of every table before and after."""
    tables = {m._meta.db_table for m in watched_models(leave_out)}
    written: list[str] = []

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        result = execute(sql, params, many, context)
        match = WRITE.match(sql)
        if match and match[1] in tables and context["cursor"].rowcount != 0:
            written.append(f"{match[1]}: {context['cursor'].rowcount}")
        return result

    with connection.execute_wrapper(watch):
        yield written


def snapshot(leave_out: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """Every row of every Steward table (and users and groups), for tests where a failed action may
    write and roll back: afterwards, nothing may differ."""
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in watched_models(leave_out)}


def _build(media: Any) -> World:
    def file(narrative: str, n: int, **extra: Any) -> Report:
        intake = report_services.Intake(narrative=narrative, reporter_role=Report.ReporterRole.AFFECTED,
                                        submission_token=f"matrix-{n}", **extra)
        return report_services.submit_report(intake)[0]

    report = file("He kept sending me insulting messages in the project chat.", 1,
                  files=[CleanFile(name="screenshot.png", content_type="image/png", data=png_bytes())])
    second = file("A second account of the same incident in the chat.", 2)
    other = file("Another report about the same person, in the forum this time.", 3)
    case = report.case
    Report.objects.filter(pk=second.pk).update(case=case)
    handler = make_staff("hana", H, first_name="Hana")
    security = make_staff("sam", SEC, first_name="Sam")
    Case.objects.filter(pk=case.pk).update(assignee=handler, priority="P2", rank=3, status=Status.INVESTIGATING)
    case.refresh_from_db()
    second.refresh_from_db()

    def consult(consultant: User, kind: str, parts: set[str]) -> Consultation:
        return Consultation.objects.create(
            case=case, consultant=consultant, kind=kind, requested_by=handler,
            question="What do you advise?",
            **{f"shares_{part}": part in parts for part in ("summary", "reports", "evidence", "notes", "parties")})

    kinds = {HR: "hr", LEGAL: "legal", SEC: "security"}
    world = World(case=case, other_case=other.case, report=report, second_report=second,
                  evidence_id=report.evidence.get().pk, version_id=0, handler=handler,
                  neutral_consultation=consult(security, "security", {"summary", "reports"}).pk,
                  neutral_account=StaffAccount.objects.create(
                      user=handler, identity=registry.identify("github", "hana-gh").identities.get()).pk,
                  media=media)
    world.possible_conflict = CaseConflict.objects.create(case=case, user=handler, source=CaseConflict.Source.REPORTER_EMAIL,
                                                          status=CaseConflict.Status.POSSIBLE).pk
    world.users["no_role"] = make_staff("nora")
    world.delivery = OutboxMessage.objects.create(
        kind="reports.acknowledge", payload={"report": report.pk}, idempotency_key="matrix-delivery",
        status=OutboxMessage.Status.FAILED, attempts=10, next_attempt_at=timezone.now(), last_error="SMTPRecipientsRefused").pk
    for role in ROLES:
        for relation in RELATIONS:
            who = f"{role}:{relation}"
            user = world.users[who] = make_staff(f"{role}-{relation}".replace("_", "-"), role)
            if relation in {CONSULTED, NARROW}:
                # A consultation of another kind than their role grants nothing: only consultants are consulted.
                parts = {"summary", "reports", "evidence", "notes", "parties"} if relation == CONSULTED else {"summary"}
                world.consultations[who] = consult(user, kinds.get(role, "hr"), parts).pk
            if relation == CONFLICTED:
                # One of their accounts is a witness on the case (found from the data, no recorded row needed).
                person = registry.identify("github", f"{user.username}-gh")
                world.accounts[who] = StaffAccount.objects.create(user=user, identity=person.identities.get()).pk
                Party.objects.create(case=case, person=person, role=Party.Role.WITNESS)

    from steward.policy import services as policy
    from steward.staff import tokens

    world.api_token = tokens.create_api_token(by=world.users[f"{ADMIN}:{UNRELATED}"], name="Forum report button",
                                              scopes=["reports:submit"])[0].pk
    world.pending_token = tokens.create_api_token(by=world.users[f"{ADMIN}:{UNRELATED}"], name="Hana's dashboard",
                                                  scopes=["cases:read"], owner=handler)[0].pk

    world.version_id = policy.create_draft(
        by=world.users[f"{ADMIN}:{UNRELATED}"], number="99.0", changelog="A draft for the access table.",
        effective_date=timezone.localdate() + datetime.timedelta(days=30)).pk
    from steward.decisions import ladders
    from tests.decisions.helpers import current_ladder

    current_ladder()
    draft = ladders.create_from_preset("covenant-3.0", by=world.users[f"{ADMIN}:{UNRELATED}"])
    world.ladder_id, world.level_id = draft.pk, draft.levels_in_order()[-1].pk
    from steward.decisions.models import Outcome, Proposal

    proposal = Proposal(case=case, outcome=Outcome.NO_VIOLATION, proposed_by=world.users[f"{T}:{UNRELATED}"])
    proposal.reporter_summary, proposal.rationale = "No violation was found.", "For the access table."
    proposal.save()
    world.proposal_id = proposal.pk
    from steward.decisions.models import CheckIn, Decision

    banned = current_ladder().levels.get(key="temporary_ban")
    ban = Decision(case=case, outcome="level", level=banned, level_key=banned.key, level_name=banned.name,
                   level_position=banned.position, ban=banned.ban, ends_on=timezone.localdate() + datetime.timedelta(days=30),
                   restrictions=banned.restrictions())
    ban.reporter_summary, ban.rationale = "A temporary ban.", "Repeated insults."
    ban.save()
    world.ban_id = ban.pk
    world.check_in_id = CheckIn.objects.create(decision=ban, case=case, months=1, due_on=timezone.localdate()).pk
    from steward.decisions.models import Appeal, Decision

    decision = Decision(case=case, outcome="no_violation", decided_by=handler)
    decision.reporter_summary, decision.rationale = "No violation.", "Nothing found."
    decision.save()
    appeal = Appeal(decision=decision, case=case, appellant=Appeal.Appellant.REPORTED)
    appeal.grounds = "I disagree."
    appeal.save()
    world.appeal_id = appeal.pk
    from steward.decisions import decision_messages
    from steward.decisions.models import MessageTemplate

    decision_messages.install_templates()
    world.message_template_id = MessageTemplate.objects.get(kind="warning", audience="reported", language="en").pk
    from steward.enforcement.models import ActionStatus, Kind, Rollout, RolloutAction

    rollout = Rollout.objects.create(case=case, decision=ban, because=Rollout.Because.DECISION, ban="temporary")
    world.rollout_action = RolloutAction.objects.create(
        rollout=rollout, system="matrix", kind=Kind.BAN_FROM_ROOM, target="!room:steward.test",
        status=ActionStatus.NEEDS_HUMAN, last_error="For the access table.", idempotency_key="matrix-table-1").pk
    world.manual_action = RolloutAction.objects.create(
        rollout=rollout, kind=Kind.MANUAL, step="events", idempotency_key="manual-table-1").pk
    _registry_world(world)
    _authoring_world(world)
    _training_world()
    return world


def _authoring_world(world: World) -> None:
    from steward.training import authoring
    from steward.training.models import Completion
    from tests.training.conftest import document, make_learner, publish_course

    coordinator = world.users[f"{ADMIN}:{UNRELATED}"]
    published = publish_course()
    draft = authoring.start_version(published.course, by=coordinator, major=False)
    authoring.add_owner(published.course, world.handler, by=coordinator)
    lesson = draft.lessons.get(key="next-steps")
    image = authoring.upload_image(draft, png_file(), by=coordinator)
    other = publish_course(document(slug="matrix-other"))
    learner = make_learner("matrix-graduate")
    completion = Completion.objects.create(learner=learner, course=published.course, version=published, language="en")
    world.authoring = {"course": published.course_id, "draft": draft.pk, "lesson": lesson.pk,
                       "question": lesson.quiz.questions.first().pk, "other_course": other.course_id,
                       "owner": world.handler.pk, "completion": completion.pk, "image": image.pk}


def _registry_world(world: World) -> None:
    """A person with a record, another Steward suggests is the same, and each screener's screening of them."""
    from steward.registry import people, records, screening
    from steward.registry.models import Identity, Person, PersonName, Referral, Screening

    record = records.enter_record(records.EnteredRecord(
        name="Dmitri Ivanov", emails=("dmitri@example.net",), accounts=(("github", "divanov"),)),
        by=world.users[f"{HR}:{UNRELATED}"])
    world.person_id = record.person_id
    world.name_id = PersonName.objects.get(person_id=record.person_id).pk
    world.identity_id = Identity.objects.get(person_id=record.person_id, system="github").pk
    other = Person.objects.create()
    people.put_name(other, "Dmitri Ivanov", PersonName.Kind.NAME)
    people.reindex(list(Person.objects.filter(pk=other.pk).prefetch_related(*people.with_details())))
    world.other_person_id = other.pk
    for relation in RELATIONS:
        who = f"{SCREENER}:{relation}"
        world.screenings[who] = screening.screen(
            [screening.Row(1, screening.check_applicant(name="Dmitri Ivanov", emails=["dmitri@example.net"]))],
            purpose="grant", channel=Screening.Channel.FORM, by=world.users[who]).pk
    world.referral_id = Referral.objects.filter(applicant__screening_id=world.screenings[f"{SCREENER}:{UNRELATED}"]).get().pk


MATRIX_COURSE = "matrix-course"


def _training_world() -> None:
    """A published course with a role rule, and a contributor learner (training/assign_views.py)."""
    from steward.training.models import AssignmentRule
    from tests.training.conftest import document, make_learner, publish_course

    course = publish_course(document(slug=MATRIX_COURSE)).course
    AssignmentRule.objects.create(course=course, who=AssignmentRule.Who.CONTRIBUTOR_LEADERS)
    make_learner("matrix-learner", email="matrix-learner@example.org")


def training_rule() -> int:
    from steward.training.models import AssignmentRule

    return AssignmentRule.objects.get(course__slug=MATRIX_COURSE).pk


def training_learner() -> int:
    from steward.training.models import Learner

    return Learner.objects.get(user__username="matrix-learner").pk


QUICK = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
         "TASKS": {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}}


@contextmanager
def rolled_back_world[W](django_db_blocker: Any, media: Any, build: Callable[[Any], W]) -> Iterator[W]:
    """A module's world, built once inside a transaction that is rolled back when the module ends."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, **QUICK):
        cache.clear()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build(media)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    with rolled_back_world(django_db_blocker, tmp_path_factory.mktemp("matrix-media"), _build) as built:
        yield built


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, world: World, db: Any) -> None:
    """The module's evidence files live in the module's media folder (overrides tests/conftest.py)."""
    settings.MEDIA_ROOT = world.media
    settings.TASKS = QUICK["TASKS"]
    cache.clear()


def client_for(world: World, who: str) -> Client:
    if who == "anonymous":
        return Client()
    user = world.users[who]
    if who.endswith(f":{ASSIGNED}"):  # the test's savepoint undoes this
        Case.objects.filter(pk=world.case.pk).update(assignee=user)
    return login(user)


def _check(response: Any, outcome: str, label: str) -> None:
    location = response.get("Location", "")
    if outcome == OK:
        assert response.status_code == 200, label
    elif outcome == INVALID:
        assert response.status_code == 400, label
    elif outcome == DONE:
        assert response.status_code == 302, label
        assert not location.startswith(LOGIN_PATH), label
    elif outcome in {DENIED, HIDDEN}:
        assert response.status_code == int(outcome), label
    else:
        assert response.status_code == 302, label
        assert location.startswith(f"{LOGIN_PATH}?next="), label


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(("route", "method"), sorted(ROWS))
def test_access(world, route, method, who):
    row = ROWS[route, method]
    outcome = row.expected(who)
    client = client_for(world, who)
    with changes(leave_out={"core.AuditEntry"} if outcome == INVALID else set()) as written:
        response = getattr(client, row.method)(row.path(world, who), row.data(world, who))
    _check(response, outcome, f"{who} {row.method.upper()} {route}")
    if outcome == INVALID:  # the form page may audit that it was read; nothing else may change
        assert not written, f"a rejected POST {route} by {who} changed data: {written}"
    elif outcome in {DENIED, HIDDEN, LOGIN}:
        assert not written, f"a refused {row.method.upper()} {route} by {who} changed data: {written}"
        assert b"He kept sending me" not in response.content
        assert world.case.reference.encode() not in response.content or outcome == LOGIN


# Junk input for every refused POST, for a sample of actors (one per relation and the visitors).
SAMPLE = ["anonymous", "no_role", *[f"{role}:{relation}" for role, relation in zip(
    [T, H, HR, D, ADMIN], RELATIONS, strict=True)]]
REFUSED_POSTS = [(route, who) for (route, method), row in sorted(ROWS.items()) if method == "post"
                 for who in SAMPLE if row.expected(who) in {DENIED, HIDDEN, LOGIN}]


@pytest.mark.parametrize(("route", "who"), REFUSED_POSTS)
def test_refused_posts_are_refused_before_the_input_is_looked_at(world, route, who):
    """Empty or junk input must not turn a refusal into a form error (which would confirm what exists)."""
    row = ROWS[route, "post"]
    outcome = row.expected(who)
    client = client_for(world, who)
    with changes() as written:
        for junk in ({}, {"body": "", "to": "bogus", "cases": "X-1", "report": "abc", "assignee": "0", "kind": "x",
                          "answer": "", "reassign_to": "abc", "system": "nope"}):
            response = client.post(row.path(world, who), junk)
            _check(response, outcome, f"{who} POST {route} {junk}")
    assert not written


def test_case_pages_of_a_missing_case_are_not_found_for_the_triager(world):
    client = client_for(world, f"{T}:{UNRELATED}")
    assert client.get("/staff/cases/987654/").status_code == 404
    assert client.post("/staff/cases/987654/notes/", {"body": "x"}).status_code == 404


def test_a_conflicted_triager_is_told_nothing_more_than_about_a_missing_case(world):
    client = client_for(world, f"{T}:{CONFLICTED}")
    hidden = client.get(f"/staff/cases/{world.case.pk}/")
    missing = client.get("/staff/cases/987654/")
    assert hidden.status_code == missing.status_code == 404
    assert [t.name for t in hidden.templates] == [t.name for t in missing.templates]
    assert world.case.reference.encode() not in hidden.content
    queue = client.get("/staff/cases/", {"q": world.case.reference})
    assert [c.pk for c in queue.context["page"]] == []


def test_the_change_watch_sees_every_write_to_a_watched_table_and_only_those(world):
    """The refusal rows above rely on `changes`: it must see writes, also ones undone later."""
    with changes() as written:
        Case.objects.filter(pk=world.case.pk).update(rank=99)
        Case.objects.filter(pk=world.case.pk).update(rank=3)
        Case.objects.filter(pk=987654).update(rank=1)  # changes no row
    assert written == [f"{Case._meta.db_table}: 1"] * 2
    with changes(leave_out={"cases.Case"}) as written:
        Case.objects.filter(pk=world.case.pk).update(rank=4)
        OutboxMessage.objects.filter(pk=world.delivery).delete()
        world.users["no_role"].groups.clear()
        world.users[f"{T}:{UNRELATED}"].groups.clear()
    assert written == [f"{OutboxMessage._meta.db_table}: 1", f"{User.groups.through._meta.db_table}: 1"]
