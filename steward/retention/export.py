"""Everything Steward holds about one person, for an access request.

What goes in, by how the person is connected (see docs/operator-guide.md, Retention):
- their accounts (system and handle);
- every case they are a party to: reference, role, status, dates, decision outcomes;
- as the reported person: the decisions about them (outcome, ban end, date) — not the
  reports, the reporter, the internal reasons or notes, which concern other people;
- the reports whose contact email is the one given (their own reports): the full text
  they gave, the messages both ways and the names of the files they sent.
A reporter party matched only by an account name gets the case facts, not report text:
nothing proves which report of the case is theirs. Erased cases are listed as erased.

A case hidden from the administrator by a conflict of interest is left out without a trace
(another administrator answers for it), and every case that goes in gets an audited read, so
the export shows in that case's access history.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import services as cases
from steward.cases.models import Case, Party
from steward.core import access, audit, crypto
from steward.core.errors import DomainError
from steward.decisions.models import Decision
from steward.registry import services as registry
from steward.registry.models import Identity, Person
from steward.reports.models import Report

from .permissions import RetentionAction


def find_person(system: str, handle: str) -> Person | None:
    if not system or not handle.strip():
        return None
    identity = (Identity.objects.filter(system=system, handle_index__in=registry.handle_indexes(system, handle))
                .select_related("person").first())
    return identity.person if identity else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _decision(decision: Decision, *, about_them: bool) -> dict[str, Any]:
    return {"outcome": decision.code, "level": decision.level_name, "ban": decision.ban,
            "starts_on": _iso(decision.starts_on), "ends_on": _iso(decision.ends_on), "decided_at": _iso(decision.decided_at),
            "about_this_person": about_them}


def _case(party: Party) -> dict[str, Any]:
    case: Case = party.case
    entry: dict[str, Any] = {
        "case": case.reference, "role": party.role, "status": case.status, "opened_at": _iso(case.opened_at),
        "closed_at": _iso(case.closed_at), "erased_at": _iso(case.erased_at),
    }
    decisions = list(case.decisions.all())
    if party.role == Party.Role.REPORTED:
        entry["decisions"] = [_decision(d, about_them=True) for d in decisions if d.subject_id == party.person_id]
    else:
        entry["decisions"] = [{"outcome": d.code, "decided_at": _iso(d.decided_at)} for d in decisions]
    if party.role == Party.Role.REPORTER and case.erased_at is None:
        entry["decision_summary"] = case.decision_summary
    return entry


def _report(report: Report) -> dict[str, Any]:
    entry: dict[str, Any] = {"report": report.reference, "case": report.case.reference,
                             "received_at": _iso(report.received_at), "channel": report.channel}
    if report.data_key.wrapped is None or report.case.erased_at is not None:
        return {**entry, "erased": True}
    entry.update({
        "narrative": report.narrative, "occurred_at": _iso(report.occurred_at), "occurred_approx": report.occurred_approx,
        "location": report.location, "involved": report.involved, "witnesses": report.witnesses, "wishes": report.wishes,
        "categories": report.categories, "ongoing": report.ongoing, "danger_now": report.danger_now,
        "reporter_role": report.reporter_role, "contact_name": report.contact_name, "contact_email": report.contact_email,
        "consent_contact_reported": report.consent_contact_reported,
        "consent_name_to_reported": report.consent_name_to_reported, "preferred_language": report.preferred_language,
        "case_status": report.case.status,
        "decision_summary": report.case.decision_summary,
        "messages": [{"at": _iso(m.at), "direction": m.direction, "body": m.body} for m in report.messages.all()],
        "files": [{"name": f.name, "content_type": f.content_type, "size": f.size, "uploaded_at": _iso(f.uploaded_at)}
                  for f in report.evidence.all()],
    })
    return entry


def export_person(*, by: User, system: str = "", handle: str = "", email: str = "", ip: str | None = None) -> dict[str, Any]:
    access.require(by, RetentionAction.EXPORT_PERSON)
    email = email.strip()
    if not (system and handle.strip()) and not email:
        raise DomainError(_("Give an account (system and name) or an email address."))
    person = find_person(system, handle)
    hidden = cases.hidden_case_ids(by)
    read: set[int] = set()  # the cases whose content goes into the document
    document: dict[str, Any] = {"generated_at": timezone.now().isoformat(), "person": None, "cases": [], "reports": []}
    if person is not None:
        identities = person.identities.select_related("data_key").order_by("pk")
        parties = (Party.objects.filter(person=person).exclude(case__in=hidden).select_related("case", "case__data_key")
                   .prefetch_related("case__decisions").order_by("case_id", "role"))
        decisions = Decision.objects.filter(subject=person).exclude(case__in=hidden).order_by("pk")
        document["person"] = {
            "id": person.pk, "created_at": _iso(person.created_at),
            "accounts": [{"system": i.system, "handle": i.handle, "created_at": _iso(i.created_at)} for i in identities],
            "decisions": [_decision(d, about_them=True) for d in decisions],
        }
        document["cases"] = [_case(party) for party in parties]
        read |= {party.case_id for party in parties} | {d.case_id for d in decisions}
    if email:
        reports = (Report.objects.filter(contact_email_index__in=crypto.blind_indexes(email, purpose="email"))
                   .exclude(case__in=hidden).select_related("case", "case__data_key", "data_key")
                   .prefetch_related("messages", "evidence").order_by("pk"))
        document["reports"] = [_report(report) for report in reports]
        read |= {report.case_id for report in reports}
    for case in Case.objects.filter(pk__in=read).order_by("pk"):
        audit.record(by, "case.export", case, ip=ip)  # a read of case content, in the case's access history
    audit.record(by, "person.export", person, ip=ip, detail={
        "by_account": bool(system and handle.strip()), "by_email": bool(email), "found_person": person is not None,
        "cases": len(document["cases"]), "reports": len(document["reports"])})
    return document
