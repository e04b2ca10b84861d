"""Administrators create staff accounts; the person chooses a password through an invitation."""

from __future__ import annotations

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from steward.core.models import AuditEntry
from tests.conftest import deliver_outbox

from .auth_helpers import LOGIN, QUEUE, TOTP_ACTIVATE, password_step

NEW_PASSWORD = "a brand new staff password 2024"


def create(*args: str) -> str:
    out = io.StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_a_staff_member_with_roles_and_no_password(db):
    output = create("nia", "--email", "Nia@Example.org", "--first-name", "Nia", "--role", "triager",
                    "--role", "case_handler")
    user = User.objects.get(username="nia")
    assert user.is_staff and user.is_active
    assert not user.has_usable_password()
    assert user.email == "nia@example.org"
    assert sorted(user.groups.values_list("name", flat=True)) == ["case_handler", "triager"]
    assert EmailAddress.objects.get(user=user).verified
    assert "invitation to nia@example.org is queued" in output
    # The command acts as its declared system actor, named in the entry.
    entry = AuditEntry.objects.get(action="staff.account_created")
    assert (entry.actor, entry.actor_kind) == (None, "system")
    assert entry.detail == {"roles": ["case_handler", "triager"], "invited": True, "job": "create_staff command"}


def test_the_invitation_sets_a_password_then_the_second_factor_is_required(db):
    create("nia", "--email", "nia@example.org", "--role", "triager")
    deliver_outbox()  # as the worker would
    [message] = mail.outbox
    assert message.to == ["nia@example.org"]
    assert "nia" in message.body
    link = re.search(r"https?://\S+/staff/accounts/password/reset/key/\S+", message.body).group(0)
    path = link.split("//", 1)[1].split("/", 1)[1]
    client = Client()
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200
    action = form.redirect_chain[-1][0] if form.redirect_chain else "/" + path
    done = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert User.objects.get(username="nia").check_password(NEW_PASSWORD)

    fresh = Client()
    assert password_step(fresh, "nia", NEW_PASSWORD).status_code == 302
    assert fresh.get(QUEUE)["Location"] == TOTP_ACTIVATE


def test_print_link_without_email(db):
    output = create("nia", "--email", "nia@example.org", "--no-email", "--print-link")
    assert deliver_outbox() == 0
    assert not mail.outbox
    assert "/staff/accounts/password/reset/key/" in output


@pytest.mark.parametrize("args", [
    ("tara", "--email", "someone@example.org"),
    ("someone", "--email", "tara@example.org"),
    ("someone", "--email", "not an address"),
])
def test_duplicates_and_bad_addresses_are_refused(triager, args):
    with pytest.raises(CommandError):
        create(*args)


def test_unknown_roles_are_refused(db):
    with pytest.raises(CommandError):
        create("nia", "--email", "nia@example.org", "--role", "emperor")
    assert LOGIN
