"""A learner without staff access reaches no staff page: every staff URL of the access matrix,
with every method it accepts, answers a signed-in contributor 404 and changes nothing; so do
the authentication pages under /staff/accounts/, except signing out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver

from steward.training.models import Learner
from tests.cases import test_access_matrix as matrix

from .conftest import make_learner

pytestmark = pytest.mark.django_db

ADMIN_PATH = f"{matrix.ADMIN}:{matrix.UNRELATED}"  # the paths as an administrator would follow them


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[matrix.World]:
    with matrix.rolled_back_world(django_db_blocker, tmp_path_factory.mktemp("gate-media"), matrix._build) as built:
        yield built


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, world: matrix.World, db: Any) -> None:
    settings.MEDIA_ROOT = world.media
    settings.TASKS = matrix.QUICK["TASKS"]
    cache.clear()


@pytest.fixture
def contributor_client(world: matrix.World) -> Client:
    learner = make_learner("cleo", kind=Learner.Kind.CONTRIBUTOR)
    assert not learner.user.is_staff
    client = Client()
    client.force_login(learner.user)
    return client


def test_every_staff_url_answers_a_contributor_learner_not_found(world: matrix.World, contributor_client: Client) -> None:
    before = matrix.snapshot()
    walked = 0
    for (route, method), row in sorted(matrix.ROWS.items()):
        path = row.path(world, ADMIN_PATH)
        response = getattr(contributor_client, method)(path, row.data(world, ADMIN_PATH))
        assert response.status_code == 404, f"{method.upper()} {route}: {response.status_code}"
        assert b"He kept sending me" not in response.content
        walked += 1
    assert walked == len(matrix.ROWS) and walked > 50
    assert matrix.snapshot() == before


def test_the_authentication_pages_too_except_signing_out(world: matrix.World, contributor_client: Client) -> None:
    pages = sorted(route for route in matrix._walk(get_resolver().url_patterns)
                   if route.startswith(matrix.AUTHENTICATION_PAGES) and "<" not in route)
    assert "staff/accounts/login/" in pages
    for route in pages:
        if route in {"staff/accounts/logout/"}:
            continue
        assert contributor_client.get(f"/{route}").status_code == 404, route
    assert contributor_client.get("/staff/login/").status_code == 404
    signed_out = contributor_client.post("/staff/accounts/logout/")
    assert signed_out.status_code == 302
    assert contributor_client.get("/learn/").status_code == 302  # signed out: sent to sign in


def test_staff_pages_still_open_for_staff(world: matrix.World) -> None:
    response = matrix.client_for(world, ADMIN_PATH).get("/staff/")
    assert response.status_code == 302
