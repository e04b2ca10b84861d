"""What staff (and the scheduled purge) may do under the retention rules: erase a case, and
export everything held about one person for an access request."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case
from steward.cases.permissions import EVERY_CASE
from steward.core import access, navigation
from steward.core.actors import SystemActor
from steward.core.roles import Role


class RetentionAction(StrEnum):
    ERASE = "erase"
    EXPORT_PERSON = "export_person"


# The daily purge erases closed cases past their retention period, and does nothing else.
PURGE = SystemActor("retention purge", may=frozenset({RetentionAction.ERASE}))


def register() -> None:
    # Erasing needs no reading: the erase page shows reference and status only.
    access.grant(Case, access.rule(Role.DECISION_MAKER, EVERY_CASE, RetentionAction.ERASE),
                 access.rule(Role.ADMINISTRATOR, EVERY_CASE, RetentionAction.ERASE))
    # Everything held about one person, for access requests: administrators only (they answer them).
    access.register_global(RetentionAction.EXPORT_PERSON, {Role.ADMINISTRATOR})
    navigation.register(navigation.Page("retention:export", _("Access requests"), RetentionAction.EXPORT_PERSON),
                        order=60)
