"""Create a staff account (nobody signs up to Steward).

    manage.py create_staff USERNAME --email a@example.org --first-name Ana --role triager --role case_handler

The same as inviting someone on the Staff page (`steward.staff.services.invite_staff`): the
account gets no usable password, and the worker emails the person an invitation link to choose
one (valid as long as a password-reset link, PASSWORD_RESET_TIMEOUT); with --print-link the
link is also printed, for an administrator to pass on another way. On first sign-in the person
must set up a second factor before they can open any staff page. With single sign-on configured
they can instead sign in through the identity provider, which must vouch for the same address.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.core.roles import Role
from steward.staff import services
from steward.staff.notifications import invitation_link
from steward.staff.permissions import CREATE_STAFF_COMMAND


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
        try:
            user = services.invite_staff(by=CREATE_STAFF_COMMAND, username=options["username"], email=options["email"],
                                         first_name=options["first_name"], last_name=options["last_name"],
                                         roles=options["role"], send_invitation=not options["no_email"])
        except services.StaffError as error:
            raise CommandError(f"{error.field}: {error.message}") from None
        if options["no_email"]:
            self.stdout.write(f"Created {user.username}; no invitation was emailed.")
        else:
            self.stdout.write(f"Created {user.username}; an invitation to {user.email} is queued "
                              "(the worker sends it).")
        if options["print_link"]:
            self.stdout.write(f"Invitation link (works once): {invitation_link(user)}")
