"""What staff may do with the guidelines: administrators edit and publish them."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.core import access, navigation
from steward.core.roles import Role


class PolicyAction(StrEnum):
    EDIT_GUIDELINES = "edit_guidelines"


def register() -> None:
    access.register_global(PolicyAction.EDIT_GUIDELINES, {Role.ADMINISTRATOR})
    navigation.register(navigation.Page("policy:staff_list", _("Guidelines"), PolicyAction.EDIT_GUIDELINES), order=70)
    # The guidance on receiving a report is for every staff member.
    navigation.register(navigation.Page("policy:receiving", _("Receiving a report"), None), order=80)
