"""The invitation email, sent by the worker from the outbox: the link to choose a password, nothing else."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from steward.core import outbox

from .messages import StaffInvitation


def invitation_link(user: User) -> str:
    """A link to choose a password; valid once, for PASSWORD_RESET_TIMEOUT seconds."""
    path = reverse("account_reset_password_from_key",
                   kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)})
    return settings.STEWARD_BASE_URL.rstrip("/") + path


@outbox.handler(StaffInvitation)
def send_invitation(message: StaffInvitation, delivery: outbox.Delivery) -> bool:
    user = User.objects.filter(pk=message.user, is_active=True, is_staff=True).first()
    if user is None or not user.email or user.has_usable_password():
        return False  # offboarded, or the password was already chosen: the link is no longer wanted
    context = {"user": user, "invite_url": invitation_link(user), "organisation_name": settings.STEWARD_ORGANISATION_NAME}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("account/email/staff_invite_subject.txt", context).split())
        body = render_to_string("account/email/staff_invite_message.txt", context)
    delivery.email(subject, body, [user.email], from_email=settings.DEFAULT_FROM_EMAIL)
    return True
