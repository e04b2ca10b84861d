"""The staff navigation. Each app registers its staff pages with the action their view requires
(the app's own enum, registered as a global action with `core.access`), and a staff member is
offered only the pages their roles allow (`access.usable`). A page without an action is open to
every active staff member.

The first page a role's own action opens is where that staff member lands after signing in.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

from . import access
from .middleware import second_factor_step


@dataclass(frozen=True)
class Page:
    url_name: str
    label: str | Promise
    action: StrEnum | None  # the action the page's view requires; None: every staff member

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# In navigation order; filled by the apps' `ready()` through `register()`.
STAFF_PAGES: list[Page] = []
_order: dict[str, int] = {}


def register(page: Page, *, order: int) -> None:
    """Offer a staff page in the navigation, at `order` (smaller first)."""
    if page.url_name in _order:
        STAFF_PAGES[:] = [known for known in STAFF_PAGES if known.url_name != page.url_name]
    _order[page.url_name] = order
    STAFF_PAGES.append(page)
    STAFF_PAGES.sort(key=lambda known: _order[known.url_name])


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
