"""Who single sign-on may sign in besides staff: the audiences apps above core register.

Staff single sign-on (``adapters.StaffSocialAccountAdapter``) signs in only existing active
staff. An app whose people have accounts without staff access (training's contributor learners)
registers an `Audience` at start-up: the identity provider's verified addresses may then name one
of its accounts instead, which is connected and signed in; nobody is ever created. Such an account
stays a non-staff account, so the staff gate (``middleware.StaffOnlyMiddleware``) keeps it off
every staff page.

A sign-on started from the audience's own sign-in page carries a ``next`` address under
`next_prefix`; a refusal then sends the person back there with the audience's own message.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import User

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise


@dataclass(frozen=True)
class Audience:
    name: str  # e.g. "training"
    next_prefix: str  # e.g. "/learn/": where its people land, and the `next` its sign-in page sends
    sign_in_url: Callable[[], str]  # where a refused sign-on started from its page goes back to
    refused_message: str | StrPromise  # a lazy translation
    find: Callable[[Collection[str]], User | None]  # the one account these verified addresses name
    accepts: Callable[[User], bool]  # whether an account already connected may still sign in here
    connected: Callable[[User, str | None], None]  # a first sign-on connected the account (audit it)
    signed_in: Callable[[User, str | None], None]  # the account signed in through single sign-on (audit it)


_audiences: dict[str, Audience] = {}


def register(audience: Audience) -> None:
    _audiences[audience.name] = audience


def audiences() -> list[Audience]:
    return list(_audiences.values())


def audience_of(user: User) -> Audience | None:
    """The audience an active non-staff account belongs to (None for staff and anyone else)."""
    if user.is_staff or not user.is_active:
        return None
    return next((audience for audience in _audiences.values() if audience.accepts(user)), None)


def audience_for_next(next_url: object) -> Audience | None:
    """The audience whose sign-in page started a sign-on, from the `next` it carried."""
    if not isinstance(next_url, str):
        return None
    return next((audience for audience in _audiences.values() if next_url.startswith(audience.next_prefix)), None)
