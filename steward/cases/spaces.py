"""The active spaces, cached: the report form lists them on every GET and checks the one chosen on
every POST, and they change only when staff edit them.

Same scheme as the guideline categories (`policy.services.current_categories`): a generation in the
cache names the current list, and saving or deleting a space replaces it. With a shared cache
(Redis) every process sees the change at once; with a per-process cache another process may offer
the old list for up to `TIMEOUT` seconds. `QuerySet.update()` sends no signal: call `forget()` after one.
"""

from __future__ import annotations

import threading

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

from steward.core import crypto

from .models import Space

GENERATION = "steward:cases:spaces:generation"
TIMEOUT = 300

Row = tuple[int, str, str]  # pk, name, kind
_labelled: dict[tuple[str, str | None], list[tuple[str, str]]] = {}  # (generation, language): the form's choices
_lock = threading.Lock()


def _rows() -> tuple[str, list[Row]]:
    generation = cache.get(GENERATION)
    if generation is None:
        generation = crypto.new_token(8)
        cache.add(GENERATION, generation, None)
        generation = cache.get(GENERATION, generation)
    key = f"steward:cases:spaces:{generation}"
    found: list[Row] | None = cache.get(key)
    if found is None:
        found = list(Space.objects.filter(active=True).order_by("kind", "name").values_list("pk", "name", "kind"))
        cache.set(key, found, TIMEOUT)
    return generation, found


def space_choices() -> list[tuple[str, str]]:
    """(pk, "name (kind)") of the active spaces in the current language. The labels are made once per
    list and language in each process: naming a kind in the current language is the costly part."""
    generation, rows = _rows()
    memo = (generation, get_language())
    found = _labelled.get(memo)
    if found is None:
        kinds = dict(Space.Kind.choices)
        found = [(str(pk), f"{name} ({kinds.get(kind, kind)})") for pk, name, kind in rows]
        with _lock:
            if len(_labelled) > 64:  # old generations
                _labelled.clear()
            _labelled[memo] = found
    return found


def active_space(pk: int | str) -> Space | None:
    """The active space with this pk, from the cached list; None if there is none."""
    wanted = str(pk)
    return next((Space(pk=row_pk, name=name, kind=kind, active=True)
                 for row_pk, name, kind in _rows()[1] if str(row_pk) == wanted), None)


def forget(**_signal: object) -> None:
    """A space changed: every process reads the list again (now, so this transaction reads its own
    change, and after the commit, so a request that read the old rows meanwhile does not keep them)."""
    cache.set(GENERATION, crypto.new_token(8), None)
    transaction.on_commit(lambda: cache.set(GENERATION, crypto.new_token(8), None))
