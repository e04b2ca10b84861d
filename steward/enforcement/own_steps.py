"""Steward's own steps in a rollout, on no system's API: telling the person of the decision
before access is revoked, telling each system's moderators once it is, and the follow-up check a
week later for accounts of the person linked in the registry since.

The two messages go through the outbox (they are emails); a step waits, without spending an
attempt, until its email is sent, and asks a person when it could not be. Telling the person
holds revocation back only so long (STEWARD_ROLLOUT_TELL_FIRST_MINUTES): protecting the people
who reported comes first, and a step that asks a person never passes silently.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core import outbox
from steward.core.models import OutboxMessage
from steward.decisions.models import Audience, DecisionMessage

from . import services
from .messages import ModeratorNotice
from .models import ActionStatus, Kind, RolloutAction

EMAIL_POLL = datetime.timedelta(seconds=10)


@dataclass(frozen=True)
class Outcome:
    status: str = ActionStatus.DONE
    reason: str = ""
    wait: datetime.timedelta | None = None  # look again after this long


def carry_out(action: RolloutAction) -> Outcome:
    if action.kind == Kind.TELL_PERSON:
        return _tell_person(action)
    if action.kind == Kind.TELL_MODERATORS:
        return _tell_moderators(action)
    return _follow_up(action)


def _email(key: str, *, what: str, deadline: datetime.datetime | None = None) -> Outcome:
    row = OutboxMessage.objects.filter(idempotency_key=key).only("status").first()
    if row is None:
        return Outcome(ActionStatus.NEEDS_HUMAN, _("%(what)s was never queued: send it yourself, then mark this step "
                                                   "done.") % {"what": what})
    if row.status == OutboxMessage.Status.SENT:
        return Outcome(ActionStatus.DONE, _("%(what)s was sent.") % {"what": what})
    if row.status in {OutboxMessage.Status.FAILED, OutboxMessage.Status.DROPPED}:
        return Outcome(ActionStatus.NEEDS_HUMAN, _("%(what)s could not be sent: reach them another way, then mark "
                                                   "this step done.") % {"what": what})
    if deadline is not None and timezone.now() >= deadline:
        return Outcome(ActionStatus.NEEDS_HUMAN, _("%(what)s is still waiting to be sent (see the deliveries page): "
                                                   "access is revoked without waiting longer. Make sure they "
                                                   "hear of it, then mark this step done.") % {"what": what})
    return Outcome(wait=EMAIL_POLL)


def _tell_person(action: RolloutAction) -> Outcome:
    rollout = action.rollout
    message = (DecisionMessage.objects.filter(decision_id=rollout.decision_id, audience=Audience.REPORTED)
               .order_by("-pk").only("pk").first() if rollout.decision_id else None)
    if message is None:
        return Outcome(ActionStatus.NEEDS_HUMAN, _("Steward sent the person no message about this decision (no email "
                                                   "address is known for them): tell them yourself, then mark this "
                                                   "step done."))
    deadline = rollout.created_at + datetime.timedelta(minutes=settings.STEWARD_ROLLOUT_TELL_FIRST_MINUTES)
    return _email(f"decisions.decision_message.{message.pk}", what=_("The email telling the person"), deadline=deadline)


def _tell_moderators(action: RolloutAction) -> Outcome:
    key = f"enforcement.moderators.{action.pk}"
    with transaction.atomic():
        outbox.send(ModeratorNotice(action=action.pk), key=key)  # once: the key makes a second send a no-op
    return _email(key, what=_("The email to the moderators"))


def _follow_up(action: RolloutAction) -> Outcome:
    added = services.add_new_accounts(action.rollout)
    if added:
        return Outcome(ActionStatus.DONE, _("Found %(count)s new account(s) of the person: their steps were added to "
                                            "this rollout.") % {"count": added})
    return Outcome(ActionStatus.DONE, _("No new account of the person was found in the registry."))
