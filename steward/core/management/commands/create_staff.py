"""Create a staff account (nobody signs up to Steward).

    manage.py create_staff USERNAME --email a@example.org --first-name Ana --role triager --role case_handler

The account gets no usable password. Steward emails the person an invitation link to
choose one (valid as long as a password-reset link, PASSWORD_RESET_TIMEOUT); with
--print-link the link is also printed, for an administrator to pass on another way. On
first sign-in the person must set up a second factor before they can open any staff page.
With single sign-on configured they can instead sign in through the identity provider,
which must vouch for the same address.
"""

from __future__ import annotations

from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from steward.core import audit
from steward.core.roles import Role


class Command(BaseCommand):
    help = "Create a staff account with roles and email the person an invitation to choose a password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--role", action="append", default=[], choices=[role.value for role in Role],
                            help="a role to grant; repeat for several")
        parser.add_argument("--print-link", action="store_true", help="also print the invitation link")
        parser.add_argument("--no-email", action="store_true", help="do not send the invitation email")

    def handle(self, *args: Any, **options: Any) -> None:
        username, email = options["username"].strip(), options["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"not an email address: {email!r}") from None
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"a user named {username!r} already exists")
        if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
            raise CommandError(f"another account already uses {email}")
        with transaction.atomic():
            user = User(username=username, email=email, first_name=options["first_name"],
                        last_name=options["last_name"], is_staff=True)
            user.set_unusable_password()
            user.save()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            for role in options["role"]:
                user.groups.add(Group.objects.get_or_create(name=role)[0])
            audit.record(None, "staff.account_created", user, actor_kind="system",
                         detail={"roles": sorted(options["role"])})
        link = invitation_link(user)
        if not options["no_email"]:
            context = {"user": user, "invite_url": link, "organisation_name": settings.STEWARD_ORGANISATION_NAME}
            subject = " ".join(render_to_string("account/email/staff_invite_subject.txt", context).split())
            send_mail(subject, render_to_string("account/email/staff_invite_message.txt", context),
                      settings.DEFAULT_FROM_EMAIL, [email])
            self.stdout.write(f"Created {username}; an invitation was emailed to {email}.")
        else:
            self.stdout.write(f"Created {username}; no invitation was emailed.")
        if options["print_link"]:
            self.stdout.write(f"Invitation link (works once): {link}")


def invitation_link(user: User) -> str:
    path = reverse("account_reset_password_from_key",
                   kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)})
    return settings.STEWARD_BASE_URL.rstrip("/") + path
