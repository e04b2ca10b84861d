"""Who may see and work a case's rollout: enforcers on every case (they carry decisions out, and
see the rollout only, never the case's content), and decision makers on the cases they decide.
A conflict of interest hides the rollout like the case. Administrators configure connectors."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case
from steward.cases.permissions import CASES_TO_DECIDE, EVERY_CASE
from steward.core import access, navigation
from steward.core.roles import Role


class EnforcementAction(StrEnum):
    VIEW_ROLLOUT = "view_rollout"
    WORK_ROLLOUT = "work_rollout"  # retry an action, mark a step done by hand
    ROLLOUTS = "rollouts"  # the list of rollouts not done yet
    CONFIGURE_CONNECTORS = "configure_connectors"


def register() -> None:
    access.grant(Case, access.rule(Role.ENFORCER, EVERY_CASE, EnforcementAction.VIEW_ROLLOUT,
                                   EnforcementAction.WORK_ROLLOUT),
                 access.rule(Role.DECISION_MAKER, CASES_TO_DECIDE, EnforcementAction.VIEW_ROLLOUT,
                             EnforcementAction.WORK_ROLLOUT))
    access.register_global(EnforcementAction.ROLLOUTS, {Role.ENFORCER, Role.DECISION_MAKER})
    access.register_global(EnforcementAction.CONFIGURE_CONNECTORS, {Role.ADMINISTRATOR})
    navigation.register(navigation.Page("enforcement:rollouts", _("Rollouts"), EnforcementAction.ROLLOUTS), order=77)
    navigation.register(navigation.Page("enforcement:connectors", _("Connectors"),
                                        EnforcementAction.CONFIGURE_CONNECTORS), order=78)
