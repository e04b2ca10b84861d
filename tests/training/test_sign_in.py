"""Learner sign-in without a staff account: an emailed 6-digit code or single-use link; the same
answer for any address; expiry, five tries, single use; tampered, expired and reused links
refused; staff refused; rate-limited; the session reaches /learn/ and no staff page."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client

from steward.core.models import AuditEntry
from steward.training import sign_in
from steward.training.sign_in_views import SESSION_KEY
from tests.conftest import deliver_outbox, make_staff

from .conftest import make_learner

ADDRESS = "ada@example.org"


@pytest.fixture
def learner(db):
    return make_learner("ada", email=ADDRESS)


def ask(client: Client, email: str = ADDRESS):
    return client.post("/learn/sign-in/", {"email": email})


def emailed() -> tuple[str, str]:
    deliver_outbox()
    (email,) = [m for m in mail.outbox if m.to == [ADDRESS]]
    code = re.search(r"\b(\d{6})\b", email.body).group(1)
    token = re.search(r"/l/learn/([^/\s]+)/", email.body).group(1)
    return code, token


def signed_in_as(client: Client):
    return client.session.get("_auth_user_id")


def test_the_page_asks_for_an_address(db):
    page = Client().get("/learn/sign-in/")
    assert page.status_code == 200 and b'type="email"' in page.content


def test_a_good_code_signs_the_learner_in_once(learner):
    client = Client()
    response = ask(client)
    assert response.status_code == 302 and response["Location"] == "/learn/sign-in/code/"
    code, _token = emailed()
    response = client.post("/learn/sign-in/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/learn/"
    assert signed_in_as(client) == str(learner.user_id)
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    assert AuditEntry.objects.filter(action="training.sign_in", detail__by="code").count() == 1
    # The pending sign-in is gone: the same code on another session with a copy of it is refused.
    pending = sign_in.Pending.from_session(client.session.get(SESSION_KEY))
    assert pending is None


def test_the_code_cannot_be_used_twice(learner):
    pending = sign_in.ask_for_code(ADDRESS)
    code = sign_in.code_for(pending.challenge)
    assert sign_in.check_code(pending, code) == learner.user
    with pytest.raises(sign_in.SignInRefused) as refused:
        sign_in.check_code(pending, code)
    assert refused.value.final


def test_five_wrong_codes_end_the_sign_in(learner, settings):
    settings.STEWARD_TRAINING_SIGN_IN_RATE = (100, 900)
    client = Client()
    ask(client)
    code, _token = emailed()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        response = client.post("/learn/sign-in/code/", {"code": wrong})
        assert response.status_code == 400
        assert f"{left} more time".encode() in response.content
    response = client.post("/learn/sign-in/code/", {"code": wrong})
    assert response.status_code == 400 and b"last try" in response.content
    # Even the right code now signs nobody in: ask again.
    response = client.post("/learn/sign-in/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/learn/sign-in/"
    assert signed_in_as(client) is None


def test_an_expired_code_is_refused(learner, settings):
    client = Client()
    ask(client)
    code, _token = emailed()
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "asked_at": time.time() - 16 * 60}
    session.save()
    response = client.post("/learn/sign-in/code/", {"code": code})
    assert response.status_code == 400 and b"expired" in response.content
    assert signed_in_as(client) is None


def test_the_link_asks_to_confirm_then_signs_in_once(learner):
    ask(Client())
    _code, token = emailed()
    client = Client()
    page = client.get(f"/l/learn/{token}/")
    assert page.status_code == 200 and signed_in_as(client) is None  # a mail scanner signs nobody in
    response = client.post(f"/l/learn/{token}/")
    assert response.status_code == 302 and response["Location"] == "/learn/"
    assert signed_in_as(client) == str(learner.user_id)
    other = Client()
    reused = other.post(f"/l/learn/{token}/")
    assert reused.status_code == 400 and b"already used" in reused.content
    assert other.get(f"/l/learn/{token}/").status_code == 400
    assert signed_in_as(other) is None


def test_a_tampered_link_is_refused(learner):
    ask(Client())
    _code, token = emailed()
    client = Client()
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for method in (client.get, client.post):
        response = method(f"/l/learn/{tampered}/")
        assert response.status_code == 400 and b"not valid" in response.content
    assert signed_in_as(client) is None


def test_an_expired_link_is_refused(learner, settings):
    ask(Client())
    _code, token = emailed()
    settings.STEWARD_TRAINING_SIGN_IN_MINUTES = 0
    client = Client()
    time.sleep(1)
    response = client.post(f"/l/learn/{token}/")
    assert response.status_code == 400 and b"expired" in response.content
    assert signed_in_as(client) is None


def _answer(email: str) -> tuple[int, str, bytes]:
    client = Client()
    response = ask(client, email)
    page = client.get("/learn/sign-in/code/")
    return response.status_code, response["Location"], page.content.replace(
        client.cookies["csrftoken"].value.encode(), b"") if "csrftoken" in client.cookies else page.content


def test_an_unknown_address_and_a_staff_address_get_the_same_answer(learner):
    make_staff("sam", email="sam@example.org")
    known = _answer(ADDRESS)
    unknown = _answer("nobody@example.org")
    staff = _answer("sam@example.org")
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert known[:2] == unknown[:2] == staff[:2]
    assert strip.sub(b"", known[2]) == strip.sub(b"", unknown[2]) == strip.sub(b"", staff[2])
    deliver_outbox()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]  # only the learner was written to


def test_a_staff_member_cannot_sign_in_here(db):
    staff = make_staff("sam", email="sam@example.org")
    client = Client()
    ask(client, "sam@example.org")
    deliver_outbox()
    assert mail.outbox == []
    pending = sign_in.Pending.from_session(client.session[SESSION_KEY])
    assert pending.learner is None
    # Even a learner who became staff after asking is refused.
    learner = make_learner("lin", email="lin@example.org")
    pending = sign_in.ask_for_code("lin@example.org")
    learner.user.is_staff = True
    learner.user.save()
    with pytest.raises(sign_in.WrongCode):
        sign_in.check_code(pending, sign_in.code_for(pending.challenge))
    assert staff.pk


def test_asking_is_rate_limited(learner, settings):
    settings.STEWARD_TRAINING_SIGN_IN_RATE = (3, 900)
    client = Client()
    for _ in range(3):
        assert ask(client, "nobody@example.org").status_code == 302
    response = ask(client)
    assert response.status_code == 429 and "Retry-After" in response
    deliver_outbox()
    assert mail.outbox == []


def test_no_code_or_link_is_stored(learner):
    client = Client()
    ask(client)
    code, token = emailed()
    from steward.core.models import OutboxMessage

    stored = str(list(OutboxMessage.objects.values())) + str(dict(client.session))
    assert code not in stored and token not in stored


def test_a_signed_in_learner_reaches_no_staff_page(learner):
    client = Client()
    ask(client)
    code, _token = emailed()
    client.post("/learn/sign-in/code/", {"code": code})
    for path in ("/staff/cases/", "/staff/people/", "/staff/training/rules/", "/staff/training/learners/"):
        response = client.get(path)
        assert response.status_code in {302, 403, 404}, path
        assert b"Learners" not in response.content
