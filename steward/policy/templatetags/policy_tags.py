from __future__ import annotations

from typing import Any

from django import template

from steward.core import access
from steward.policy.permissions import PolicyAction

register = template.Library()


@register.filter
def can_edit_guidelines(user: Any) -> bool:
    return access.can(user, PolicyAction.EDIT_GUIDELINES)
