"""The staff navigation, read from the access policy: each page names the action its view
requires (`access.GLOBAL_ACTIONS`), and a staff member is offered only the pages their roles
allow (`access.usable`). A page without an action is open to every active staff member.

The first page a role's own action opens is where that staff member lands after signing in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import access
from .middleware import second_factor_step


@dataclass(frozen=True)
class Page:
    url_name: str
    label: str | Promise
    action: str | None  # the action the page's view requires; None: every staff member

    @property
    def url(self) -> str:
        return reverse(self.url_name)


STAFF_PAGES: tuple[Page, ...] = (
    Page("cases:queue", _("Cases"), "queue"),
    Page("reports:staff_record", _("Record a report"), "record_report"),
    Page("staffing:consultations", _("My consultations"), "consultations"),
    Page("staffing:access", _("Access history"), "access_history"),
    Page("staff:people", _("Staff"), "manage_staff"),
    Page("staff:api_tokens", _("API tokens"), "manage_api_tokens"),
    Page("retention:export", _("Access requests"), "export_person"),
    Page("policy:staff_list", _("Guidelines"), "edit_guidelines"),
    Page("policy:receiving", _("Receiving a report"), None),
    Page("staffing:accounts", _("My accounts"), None),
    Page("mfa_index", _("Sign-in security"), None),
)


def is_active_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def staff_pages(user: Any, request: HttpRequest | None = None) -> list[Page]:
    """The staff pages this user may open, in navigation order (none for visitors). While the
    session still has a second-factor step to take (`request` given), only sign-in security."""
    if not is_active_staff(user):
        return []
    if request is not None and second_factor_step(request, user) is not None:
        return [page for page in STAFF_PAGES if page.url_name == "mfa_index"]
    allowed = access.usable(user)
    return [page for page in STAFF_PAGES if page.action is None or page.action in allowed]


def landing_url(user: Any) -> str:
    """Where a staff member starts: the first page of their own roles, else the first open to all."""
    pages = staff_pages(user)
    if not pages:
        return reverse("home")
    own = [page for page in pages if page.action is not None]
    return (own or pages)[0].url
