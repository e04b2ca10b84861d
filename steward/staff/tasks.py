"""The invitation email, sent by the worker: the link to choose a password, nothing else."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def invitation_link(user: User) -> str:
    """A link to choose a password; valid once, for PASSWORD_RESET_TIMEOUT seconds."""
    path = reverse("account_reset_password_from_key",
                   kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)})
    return settings.STEWARD_BASE_URL.rstrip("/") + path


@task()
def send_invitation(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True, is_staff=True).first()
    if user is None or not user.email or user.has_usable_password():
        return  # offboarded, or the password was already chosen: the link is no longer wanted
    context = {"user": user, "invite_url": invitation_link(user), "organisation_name": settings.STEWARD_ORGANISATION_NAME}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("account/email/staff_invite_subject.txt", context).split())
        body = render_to_string("account/email/staff_invite_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
