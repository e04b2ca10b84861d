"""What staff may do with decisions, registered on cases: triagers decide any case, decision
makers the cases awaiting or having a decision. Administrators edit the consequence ladder;
everyone who decides reads it."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case
from steward.cases.permissions import CASES_TO_DECIDE, EVERY_CASE
from steward.core import access, navigation
from steward.core.roles import Role

from .models import Appeal


class DecisionAction(StrEnum):
    DECIDE = "decide"
    VIEW_LADDER = "view_ladder"
    EDIT_LADDER = "edit_ladder"
    # Proposals: a decision maker signs off (or rejects) a colleague's proposal; administrators
    # set how many must agree.
    SIGN_OFF = "sign_off"
    EDIT_POLICY = "edit_decision_policy"
    # Appeals: decision makers who took no part in the decision decide them (decisions/appeals.py).
    DECIDE_APPEAL = "decide_appeal"
    APPEALS = "appeals"


def register() -> None:
    access.grant(Case, access.rule(Role.TRIAGER, EVERY_CASE, DecisionAction.DECIDE),
                 access.rule(Role.DECISION_MAKER, CASES_TO_DECIDE, DecisionAction.DECIDE, DecisionAction.SIGN_OFF))
    access.register_global(DecisionAction.EDIT_LADDER, {Role.ADMINISTRATOR})
    access.register_global(DecisionAction.EDIT_POLICY, {Role.ADMINISTRATOR})
    access.register_global(DecisionAction.VIEW_LADDER, {Role.ADMINISTRATOR, Role.DECISION_MAKER, Role.TRIAGER})
    navigation.register(navigation.Page("decisions:ladder", _("Consequence ladder"), DecisionAction.VIEW_LADDER),
                        order=75)
    navigation.register(navigation.Page("decisions:policy", _("Decision policy"), DecisionAction.EDIT_POLICY),
                        order=76)
    # The decision message templates are edited by whoever edits the ladder (decisions/message_views.py).
    navigation.register(navigation.Page("decisions:message_templates", _("Decision messages"),
                                        DecisionAction.EDIT_LADDER), order=77)
    register_returns()


# --- Interim measures and breaches (decisions/interim.py, returns.py) -------------------------


class ReturnAction(StrEnum):
    """Who protects people while a case is open and records a breach of a ban: whoever may
    decide the case. Check-ins after a return are case notes (`CaseAction.NOTE`): the case's
    handler records them."""

    IMPOSE_INTERIM = "impose_interim"
    RECORD_BREACH = "record_breach"


def register_returns() -> None:
    access.grant(Case, access.rule(Role.TRIAGER, EVERY_CASE, ReturnAction.IMPOSE_INTERIM, ReturnAction.RECORD_BREACH),
                 access.rule(Role.DECISION_MAKER, CASES_TO_DECIDE, ReturnAction.IMPOSE_INTERIM,
                             ReturnAction.RECORD_BREACH))


def register_appeals() -> None:
    """Only decision makers decide appeals, on the decided cases they may read; whether they took
    part in the decision is the appeal's own check (appeals.may_decide)."""
    access.grant(Case, access.rule(Role.DECISION_MAKER, CASES_TO_DECIDE, DecisionAction.DECIDE_APPEAL))
    access.related(Appeal, to=lambda appeal: appeal.case)
    access.register_global(DecisionAction.APPEALS, {Role.DECISION_MAKER})
    navigation.register(navigation.Page("decisions:appeals", _("Appeals"), DecisionAction.APPEALS), order=74)
