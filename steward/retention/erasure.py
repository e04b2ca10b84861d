"""Crypto-erasure of a case: destroy its data key and its reports' keys.

Everything sealed with them (narratives, messages, notes, triage reasons, the decision's
texts, evidence: each file's key is wrapped under its report's data key) becomes unreadable for
good; the evidence files are also deleted from the evidence storage once the transaction commits
(the purge's orphan sweep deletes any an interrupted process left). What survives is what
holds no report content: the case's dates and status, the timeline's kinds, and the ban
record of any decision whose ban is still active, so the ban can go on being enforced.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.cases import services as cases
from steward.cases.models import Case, ErasureReason, Party
from steward.core import access, audit, crypto
from steward.core.errors import DomainError
from steward.decisions.models import Decision
from steward.registry.models import Person
from steward.reports import uploads
from steward.reports.models import Evidence, Report


def erase_case(case: Case, *, by: User | None, reason: str, ip: str | None = None) -> Case:
    """Erase one case. `by` is None for the scheduled purge (the audit log says "system")."""
    if by is not None:
        access.require(by, "erase", case)
    if reason not in ErasureReason.values:
        raise DomainError(_("Choose why the case is erased."))
    files: list[str] = []
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("data_key").get(pk=case.pk)
        if case.erased_at is not None:
            raise DomainError(_("This case was already erased."))
        today = timezone.localdate()
        reports = list(Report.objects.filter(case=case).select_related("data_key"))
        evidence = Evidence.objects.filter(report__in=reports)
        files = list(evidence.values_list("stored_name", flat=True))
        evidence.delete()
        for report in reports:
            crypto.destroy(report.data_key)
        # The email's blind index would still link the report to an address.
        Report.objects.filter(pk__in=[r.pk for r in reports]).update(contact_email_index="")
        crypto.destroy(case.data_key)

        decisions = list(Decision.objects.filter(case=case))
        kept = [d for d in decisions if d.is_active_ban(today) and d.subject_id]
        kept_people: set[int] = {d.subject_id for d in kept if d.subject_id is not None}
        # Ended bans and milder outcomes stay as counts, no longer linked to anyone.
        Decision.objects.filter(pk__in=[d.pk for d in decisions if d not in kept]).update(subject=None)
        party_people = set(Party.objects.filter(case=case).values_list("person_id", flat=True))
        Party.objects.filter(case=case).exclude(person_id__in=kept_people, role=Party.Role.REPORTED).delete()
        _forget_unlinked_people(party_people - kept_people)

        case.erased_at, case.erasure_reason = timezone.now(), reason
        case.save(update_fields=["erased_at", "erasure_reason"])
        cases.record_event(case, "erased", by, reason=reason)
        audit.record(by, "case.erase", case, ip=ip, actor_kind=None if by is not None else "system", detail={
            "reason": reason, "reports": len(reports), "files": len(files), "bans_kept": len(kept)})
        transaction.on_commit(lambda: uploads.discard(files))
    return case


def _forget_unlinked_people(person_ids: set[int]) -> None:
    """People no longer involved in any case nor subject of any decision go, with their accounts."""
    for person in Person.objects.filter(pk__in=person_ids, parties__isnull=True, decisions__isnull=True):
        try:
            with transaction.atomic():
                person.delete()
        except (ProtectedError, IntegrityError):  # still referenced elsewhere: keep the link
            continue
