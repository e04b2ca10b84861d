"""The decision-making policy: which consultations a case needs before it is decided.

Administrators edit the rules (`ConsultationRule`): a condition of the case, the kind of
consultation it requires and the parts that consultation shares by default. The conditions are
read from the case's latest triage and from the registry (a party linked to a staff account);
a question nobody answered is "not said" and requires nothing, but the page says it is open.
With no rule applying, the community team decides alone.

This module sits below `services` (which hands its functions to the apps above), so it writes
timeline events itself rather than through `services.record_event`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from steward.core import access, audit
from steward.core.errors import DomainError

from .models import Case, Consultation, ConsultationRule, Part, Party, TimelineEvent
from .permissions import CaseAction

Condition = ConsultationRule.Condition


class RequirementState(StrEnum):
    SATISFIED = "satisfied"
    OPEN = "open"
    NOT_ASKED = "not_asked"

    @property
    def label(self) -> str:
        return str({"satisfied": gettext_lazy("answered"), "open": gettext_lazy("asked, not answered yet"),
                    "not_asked": gettext_lazy("not asked yet")}[self.value])


@dataclass(frozen=True)
class RequiredConsultation:
    """A consultation the policy requires before the case is decided, and where it stands."""

    kind: str
    reasons: tuple[str, ...]  # in words: "A staff member or contractor of the organisation is involved"
    state: RequirementState
    scope: frozenset[str]  # what asking for it shares by default (the rules' scopes together)

    @property
    def kind_label(self) -> str:
        return str(Consultation.Kind(self.kind).label)

    @property
    def satisfied(self) -> bool:
        return self.state == RequirementState.SATISFIED


@dataclass(frozen=True)
class ConsultationNeeds:
    """What the policy says of one case: the consultations it requires and the conditions nobody answered."""

    required: tuple[RequiredConsultation, ...]
    not_said: tuple[str, ...]  # conditions of enabled rules that are "not said" yet, in words

    @property
    def pending(self) -> tuple[RequiredConsultation, ...]:
        return tuple(need for need in self.required if not need.satisfied)


def _yes_no(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _country(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


def case_facts(case: Case) -> dict[str, bool | None]:
    """The conditions the rules look at, for one case: True, False or None (not said)."""
    triage = case.triages.order_by("-at", "-pk").first()
    answers: Mapping[str, object] = triage.answers if triage is not None else {}
    staff = _yes_no(answers.get("staff_or_contractor_involved"))
    if staff is None and answers.get("staff_or_leader_involved") is False:
        staff = False  # "no staff member or leader involved" answers the narrower question too
    # A party the registry links to a staff account is staff involved, whatever triage said.
    if Party.objects.filter(case=case, person__identities__staff_account__isnull=False).exists():
        staff = True
    reporter_country, reported_country = _country(answers.get("reporter_country")), _country(answers.get("reported_country"))
    jurisdictions = reporter_country != reported_country if reporter_country and reported_country else None
    return {
        Condition.STAFF_INVOLVED: staff,
        Condition.LEGAL_EXPOSURE: _yes_no(answers.get("legal_exposure")),
        Condition.THREATS: _yes_no(answers.get("threats")),
        Condition.MINOR_INVOLVED: _yes_no(answers.get("minor_involved")),
        Condition.DIFFERENT_JURISDICTIONS: jurisdictions,
        # The reporter's own word on danger counts even before triage.
        Condition.SAFETY_RISK: True if case.danger else _yes_no(answers.get("danger")),
    }


def consultation_needs(case: Case) -> ConsultationNeeds:
    """The consultations this case needs before a decision, with their state (no permission check:
    callers show it only to readers who may consult, and never its facts to anyone else)."""
    if case.is_erased:
        return ConsultationNeeds(required=(), not_said=())
    facts = case_facts(case)
    reasons: dict[str, list[str]] = {}
    scopes: dict[str, frozenset[str]] = {}
    not_said = []
    for rule in ConsultationRule.objects.filter(enabled=True):
        fact = facts.get(rule.condition)
        if fact is None:
            not_said.append(str(rule.get_condition_display()))
        elif fact:
            reasons.setdefault(rule.kind, []).append(str(rule.get_condition_display()))
            scopes[rule.kind] = scopes.get(rule.kind, frozenset()) | rule.scope
    states = dict.fromkeys(reasons, RequirementState.NOT_ASKED)
    for consultation in case.consultations.filter(kind__in=list(reasons)).exclude(status=Consultation.Status.WITHDRAWN):
        if consultation.status == Consultation.Status.ANSWERED:
            states[consultation.kind] = RequirementState.SATISFIED
        elif states[consultation.kind] != RequirementState.SATISFIED:
            states[consultation.kind] = RequirementState.OPEN
    required = tuple(RequiredConsultation(kind=kind, reasons=tuple(reasons[kind]), state=states[kind], scope=scopes[kind])
                     for kind in Consultation.Kind.values if kind in reasons)
    return ConsultationNeeds(required=required, not_said=tuple(not_said))


def required_consultations(case: Case) -> tuple[RequiredConsultation, ...]:
    return consultation_needs(case).required


def check_before_decision(case: Case, *, by: User, authority: StrEnum, override_reason: str = "",
                          ip: str | None = None) -> tuple[RequiredConsultation, ...]:
    """Called inside the transaction that records a decision. A required consultation that is open
    or not asked refuses the decision, naming them, unless `override_reason` says why the decision
    cannot wait: then the override is on the timeline (the reason sealed) and audited
    ("decision.consultation_override" with the kinds). Returns the consultations overridden.
    `authority` is the decisions app's action that allows deciding (cases does not name it)."""
    access.require(by, authority, case)
    pending = consultation_needs(case).pending
    if not pending:
        return ()
    if not override_reason.strip():
        raise DomainError(_("This case needs these consultations before a decision: %(needs)s. Wait for the answers, "
                            "or write why the decision cannot wait.") % {
            "needs": "; ".join(f"{need.kind_label} ({need.state.label})" for need in pending)})
    kinds = [need.kind for need in pending]
    TimelineEvent.add(case, "consultation_override", by, override_reason, kinds=kinds)
    audit.record(by, "decision.consultation_override", case, ip=ip, detail={
        "kinds": kinds, "states": {need.kind: str(need.state) for need in pending}})
    return pending


def rules() -> list[ConsultationRule]:
    return list(ConsultationRule.objects.all())


@transaction.atomic
def edit_rule(rule: ConsultationRule, *, by: User, enabled: bool, kind: str, parts: Iterable[str],
              ip: str | None = None) -> ConsultationRule:
    """Change one rule of the decision-making policy (cases already decided are not affected)."""
    access.require(by, CaseAction.CONSULTATION_RULES)
    parts = set(parts)
    if kind not in Consultation.Kind.values:
        raise DomainError(_("Choose HR, Legal or Security."))
    if parts - set(Part):
        raise DomainError(_("Choose what to share from the list."))
    rule = ConsultationRule.objects.select_for_update().get(pk=rule.pk)
    before = {"enabled": rule.enabled, "kind": rule.kind, "parts": sorted(rule.scope)}
    rule.enabled, rule.kind = enabled, kind
    for part in Part:
        setattr(rule, f"shares_{part}", part in parts)
    after = {"enabled": rule.enabled, "kind": rule.kind, "parts": sorted(rule.scope)}
    if after == before:
        return rule
    rule.save()
    audit.record(by, "consultation_rule.edit", rule, ip=ip, detail={"condition": rule.condition, "before": before,
                                                                   "after": after})
    return rule
