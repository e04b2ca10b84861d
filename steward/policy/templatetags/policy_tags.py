from __future__ import annotations

from typing import Any

from django import template

from steward.core import access

register = template.Library()


@register.filter
def can_edit_guidelines(user: Any) -> bool:
    return access.can(user, "edit_guidelines")
