"""Shared by the authoring tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import NoReverseMatch, reverse

from steward.core import navigation


@pytest.fixture
def navigation_as_built() -> Iterator[None]:
    """The staff menu offers the training dashboard, which another part of the app builds; until
    it exists, the menu leaves it out so the authoring pages render."""
    try:
        reverse("training:dashboard")
    except NoReverseMatch:
        kept = list(navigation.STAFF_PAGES)
        navigation.STAFF_PAGES[:] = [page for page in kept if page.url_name != "training:dashboard"]
        yield
        navigation.STAFF_PAGES[:] = kept
    else:
        yield
