"""What staff may do with staff accounts: administrators invite, change roles and offboard."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.core import access, navigation
from steward.core.actors import SystemActor
from steward.core.roles import Role


class StaffAction(StrEnum):
    MANAGE_STAFF = "manage_staff"
    # Failed and stuck outbox deliveries (kinds and errors only, never content), with retry.
    DELIVERIES = "deliveries"
    # Creating and revoking API tokens (a token acts for a staff member or submits reports).
    MANAGE_API_TOKENS = "manage_api_tokens"


# An operator creating accounts at the command line (`manage.py create_staff`), e.g. the first administrator.
CREATE_STAFF_COMMAND = SystemActor("create_staff command", may=frozenset({StaffAction.MANAGE_STAFF}))


def register() -> None:
    access.register_global(StaffAction.MANAGE_STAFF, {Role.ADMINISTRATOR})
    access.register_global(StaffAction.DELIVERIES, {Role.ADMINISTRATOR})
    access.register_global(StaffAction.MANAGE_API_TOKENS, {Role.ADMINISTRATOR})
    navigation.register(navigation.Page("staff:people", _("Staff"), StaffAction.MANAGE_STAFF), order=50)
    navigation.register(navigation.Page("staff:deliveries", _("Deliveries"), StaffAction.DELIVERIES), order=55)
    navigation.register(navigation.Page("staff:api_tokens", _("API tokens"), StaffAction.MANAGE_API_TOKENS), order=57)
