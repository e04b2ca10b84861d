from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from steward.core import audit, events
from steward.core.errors import DomainError

from . import records
from .events import StaffAccountLinked
from .models import Identity, StaffAccount, System
from .people import forget_people as forget_people
from .people import handle_index as handle_index
from .people import handle_indexes as handle_indexes
from .people import identify as identify
from .people import normalise_handle as normalise_handle


def find_people(handle: str) -> list[int]:
    """Ids of people with an account of exactly this handle on any system (for search)."""
    indexes = [index for system in System.values for index in handle_indexes(system, handle)]
    return list(Identity.objects.filter(handle_index__in=indexes).values_list("person_id", flat=True).distinct())


# Staff members' own accounts on community systems: a party among them is a conflict of interest.


@transaction.atomic
def link_staff_account(user: User, *, system: str, handle: str, ip: str | None = None) -> StaffAccount:
    if not handle.strip():
        raise DomainError(_("Give the account name."))
    person = identify(system, handle)
    identity = person.identities.get(system=system, handle_index__in=handle_indexes(system, handle))
    existing = StaffAccount.objects.filter(identity=identity).first()
    if existing is not None:
        if existing.user_id == user.pk:
            return existing
        raise DomainError(_("This account is already linked to another staff member."))
    account = StaffAccount.objects.create(user=user, identity=identity)
    audit.record(user, "staff.account_link", account, ip=ip, detail={"system": system})
    # Cases find out whether their parties include this person (a conflict of interest).
    events.publish(StaffAccountLinked(user=user.pk, account=account.pk, ip=ip))
    return account


@transaction.atomic
def unlink_staff_account(account: StaffAccount, *, by: User, ip: str | None = None) -> None:
    """Conflicts already recorded stay: removing an account does not reopen a case to its owner."""
    if account.user_id != by.pk:
        raise PermissionDenied("unlink")
    audit.record(by, "staff.account_unlink", account, ip=ip, detail={"system": account.identity.system})
    account.delete()


# Violation records, for the decisions app (registry/records.py).
record_decision = records.record_decision
set_aside_decision = records.set_aside_decision
