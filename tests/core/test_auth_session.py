"""Staff sessions end after a period of inactivity, after SESSION_COOKIE_AGE in any case,
and when the browser closes."""

from __future__ import annotations

import time

from django.conf import settings

from steward.core.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT
from tests.cases.helpers import snapshot
from tests.conftest import login

from .auth_helpers import QUEUE


def set_session(client, **values):
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_sessions_end_with_the_browser():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.ACCOUNT_SESSION_REMEMBER is False
    assert settings.STEWARD_IDLE_TIMEOUT_SECONDS == 1800


def test_activity_keeps_the_session(triager):
    client = login(triager)
    assert client.get(QUEUE).status_code == 200
    set_session(client, **{SESSION_LAST_SEEN: time.time() - 1700})
    assert client.get(QUEUE).status_code == 200
    assert time.time() - client.session[SESSION_LAST_SEEN] < 5  # the request counted as activity


def test_an_idle_session_is_signed_out(triager):
    client = login(triager)
    assert client.get(QUEUE).status_code == 200
    set_session(client, **{SESSION_LAST_SEEN: time.time() - 1801})
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/login/?next={QUEUE}"
    assert "_auth_user_id" not in client.session
    # Signed out for good: the next request is anonymous too.
    assert client.get(QUEUE)["Location"].startswith("/staff/login/")
    page = client.get(QUEUE, follow=True).content.decode()
    assert "period of inactivity" in page


def test_an_idle_post_changes_nothing(triager, case):
    client = login(triager)
    client.get(QUEUE)
    set_session(client, **{SESSION_LAST_SEEN: time.time() - 7200})
    before = snapshot()
    response = client.post(f"/staff/cases/{case.pk}/notes/", {"body": "written after a long lunch"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"
    after = snapshot()
    assert after.pop("audit") == before.pop("audit") + 1  # only the sign-out is recorded
    assert after == before


def test_the_idle_limit_comes_from_the_environment_setting(triager, settings):
    settings.STEWARD_IDLE_TIMEOUT_SECONDS = 60
    client = login(triager)
    client.get(QUEUE)
    set_session(client, **{SESSION_LAST_SEEN: time.time() - 61})
    assert client.get(QUEUE).status_code == 302


def test_a_session_ends_after_its_absolute_age_however_active(triager):
    client = login(triager)
    client.get(QUEUE)
    set_session(client, **{SESSION_LOGIN_AT: time.time() - settings.SESSION_COOKIE_AGE - 1})
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")
