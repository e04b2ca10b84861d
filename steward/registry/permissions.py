"""Who may use the registry. Screeners submit applicants and learn only "clear" or "referred"
(then the working group's outcome) for their own screenings. The working group (its own role,
HR and Legal) works the referrals, sees the match evidence and keeps people's identities; only
HR and Legal enter records by hand and read restricted records in full."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.core import access, navigation
from steward.core.roles import Role

WORKING_GROUP = {Role.WORKING_GROUP, Role.CONSULTANT_HR, Role.CONSULTANT_LEGAL}
HR_AND_LEGAL = {Role.CONSULTANT_HR, Role.CONSULTANT_LEGAL}


class RegistryAction(StrEnum):
    SCREEN = "screen"
    REFERRALS = "referrals"  # the queue, the match evidence, and deciding
    PEOPLE = "people"  # people with records: identities, names, links
    ENTER_RECORDS = "enter_records"
    RESTRICTED_RECORDS = "restricted_records"


def register() -> None:
    access.register_global(RegistryAction.SCREEN, {Role.SCREENER})
    access.register_global(RegistryAction.REFERRALS, WORKING_GROUP)
    access.register_global(RegistryAction.PEOPLE, WORKING_GROUP)
    access.register_global(RegistryAction.ENTER_RECORDS, HR_AND_LEGAL)
    access.register_global(RegistryAction.RESTRICTED_RECORDS, HR_AND_LEGAL)
    navigation.register(navigation.Page("registry:screenings", _("Screening"), RegistryAction.SCREEN), order=80)
    navigation.register(navigation.Page("registry:referrals", _("Referrals"), RegistryAction.REFERRALS), order=81)
    navigation.register(navigation.Page("registry:people", _("Registry"), RegistryAction.PEOPLE), order=82)
