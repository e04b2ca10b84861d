"""Fixtures for the API tests: tokens made through the administrators' service, and clients sending them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from steward.core.api import Scope
from steward.staff import tokens


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class ApiClient(Client):
    """A test client that sends one token with every request."""

    def __init__(self, secret: str | None = None, **defaults: Any) -> None:
        if secret is not None:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        super().__init__(**defaults)


@pytest.fixture
def make_token(administrator: User) -> Callable[..., str]:
    """A token's secret, created by the administrator fixture (and collected by its owner)."""

    def _make(*scopes: str, owner: User | None = None, **extra: Any) -> str:
        token, secret = tokens.create_api_token(by=administrator, name=extra.pop("name", "Forum report button"),
                                                scopes=list(scopes), owner=owner, **extra)
        if secret is None:  # made for someone else: they collect it
            assert owner is not None
            secret = tokens.collect_api_token(token.pk, by=owner)[1]
        return secret

    return _make


@pytest.fixture
def submitter(make_token: Callable[..., str]) -> ApiClient:
    return ApiClient(make_token(Scope.REPORTS_SUBMIT))


@pytest.fixture
def follower(make_token: Callable[..., str]) -> ApiClient:
    return ApiClient(make_token(Scope.REPORTS_FOLLOW_UP))
