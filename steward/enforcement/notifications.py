"""How enforcement's outbox messages are delivered (messages.py): the email telling a system's
moderators what a decision asks them to enforce, written when it is sent from the decision's
moderator template (never the reasons, the behaviour or who reported)."""

from __future__ import annotations

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from steward.core import outbox
from steward.decisions import services as decisions
from steward.registry.models import System

from .messages import ModeratorNotice
from .models import ConnectorConfig, Kind, RolloutAction


def _what_to_do(action: RolloutAction) -> str:
    ends = action.rollout.ends_on
    if ends is None:
        return _("Keep these accounts out for good: do not let them take part, and tell the team if the person "
                 "comes back under another account.")
    return _("Keep these accounts out until %(date)s: do not let them take part, and tell the team if the person "
             "comes back under another account before then.") % {"date": formats.date_format(ends, "DATE_FORMAT")}


@outbox.handler(ModeratorNotice)
def tell_moderators(message: ModeratorNotice, delivery: outbox.Delivery) -> bool:
    action = RolloutAction.objects.select_related("rollout").filter(pk=message.action, kind=Kind.TELL_MODERATORS).first()
    if action is None or action.rollout.decision_id is None:
        return False
    config = ConnectorConfig.objects.filter(system=action.system).first()
    moderators = list((config.options if config is not None else {}).get("moderators", []))
    steps = action.rollout.actions.filter(system=action.system).on_systems().select_related("identity__data_key")
    accounts = sorted({step.identity.handle for step in steps if step.identity is not None})
    if not moderators or not accounts:
        return False
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        subject, body = decisions.compose_for_moderators(
            action.rollout.decision_id, language=language, person=", ".join(accounts),
            spaces=str(dict(System.choices).get(action.system, action.system)), what_to_do=_what_to_do(action))
    delivery.email(subject, body, moderators)
    return True
