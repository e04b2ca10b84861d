"""Crypto-erasure of a case: destroy its data key and its reports' keys.

Everything sealed with them (narratives, messages, notes, triage reasons, the decision's
texts, evidence: each file's key is wrapped under its report's data key) becomes unreadable for
good; the evidence files are also deleted from the evidence storage once the transaction commits
(the purge's orphan sweep deletes any an interrupted process left). What survives is what
holds no report content: the case's dates and status, the timeline's kinds, and the ban
record of any decision whose ban is still active, so the ban can go on being enforced.

Retention sits above the apps whose rows it erases, so it reads their models but changes
them only through their owners' services, in one transaction: the reports app erases its
reports and files, the decisions app unlinks the people of its decisions, the cases app
erases the case's own content and parties, the registry forgets the people left unlinked.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from steward.cases import services as cases
from steward.cases.models import Case, ErasureReason
from steward.core import access, audit
from steward.core.actors import SystemActor
from steward.core.errors import DomainError
from steward.decisions import services as decisions
from steward.registry import services as registry
from steward.registry.models import Person
from steward.reports import services as reports

from .permissions import RetentionAction


def erase_case(case: Case, *, by: User | SystemActor, reason: str, ip: str | None = None) -> Case:
    """Erase one case. The scheduled purge acts as `permissions.PURGE` (the audit log says "system")."""
    access.require(by, RetentionAction.ERASE, case)
    if reason not in ErasureReason.values:
        raise DomainError(_("Choose why the case is erased."))
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("data_key").get(pk=case.pk)
        if case.erased_at is not None:
            raise DomainError(_("This case was already erased."))
        erased = reports.erase_reports(case, by=by, authority=RetentionAction.ERASE)
        # Ended bans and milder outcomes stay as counts.
        kept = decisions.forget_subjects(case, by=by, authority=RetentionAction.ERASE)
        unlinked = cases.erase_case_data(case, by=by, authority=RetentionAction.ERASE, reason=reason,
                                         keep_reported=kept.people)
        _forget_unlinked_people(unlinked - kept.people)
        audit.record(by, "case.erase", case, ip=ip, detail={
            "reason": reason, "reports": erased.reports, "files": erased.files, "bans_kept": kept.decisions})
    return case


def _forget_unlinked_people(person_ids: set[int]) -> None:
    """People no longer involved in any case nor subject of any decision go, with their accounts."""
    unlinked = Person.objects.filter(pk__in=person_ids, parties__isnull=True, decisions__isnull=True)
    registry.forget_people(unlinked.values_list("pk", flat=True))
