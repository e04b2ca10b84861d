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


@register.simple_tag(takes_context=True)
def staff_navigation(context: Any) -> list[dict[str, Any]]:
    """`{% staff_navigation as pages %}`: the pages the signed-in staff member may open."""
    from steward.core import navigation

    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    path = getattr(request, "path", "")
    pages = []
    for page in navigation.staff_pages(user, request):
        url = page.url
        pages.append({"url": url, "label": page.label, "current": path.startswith(url)})
    return pages
