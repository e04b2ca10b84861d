from __future__ import annotations

from typing import Any

from django import template

from steward.core import access

register = template.Library()


@register.filter
def may(user: Any, action: str) -> bool:
    """`{% if user|may:"manage_staff" %}`: an action that does not concern one case."""
    return access.can(user, action)


@register.filter
def role_label(name: str) -> str:
    from steward.core.roles import Role

    return str(Role(name).label) if name in Role.values else name
