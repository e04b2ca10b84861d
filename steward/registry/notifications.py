"""Delivery of the registry's outbox messages (messages.py). Each names no applicant, no record
and no reason: it says there is something to look at, and where."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from steward.core import outbox

from .messages import ReferralDecided, ReferralsWaiting
from .models import Referral, Screening
from .permissions import WORKING_GROUP


def _url(name: str, *args: int) -> str:
    return settings.STEWARD_BASE_URL.rstrip("/") + reverse(name, args=args)


@outbox.handler(ReferralsWaiting)
def tell_working_group(message: ReferralsWaiting, delivery: outbox.Delivery) -> bool:
    screening = Screening.objects.filter(pk=message.screening).first()
    members = sorted(set(User.objects.filter(is_active=True, is_staff=True, groups__name__in=sorted(WORKING_GROUP))
                         .exclude(email="").values_list("email", flat=True)))
    if screening is None or not screening.referred or not members:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext("[Steward] A screening referred %(count)s applicant to the working group",
                           "[Steward] A screening referred %(count)s applicants to the working group",
                           screening.referred) % {"count": screening.referred}
        body = _("Open the referrals in Steward to see the match evidence and decide:\n%(url)s\n\n"
                 "This email deliberately names nobody.") % {"url": _url("registry:referrals")}
    delivery.email(subject, body, members)
    return True


@outbox.handler(ReferralDecided)
def tell_screener(message: ReferralDecided, delivery: outbox.Delivery) -> bool:
    referral = Referral.objects.select_related("applicant__screening__submitted_by").filter(pk=message.referral).first()
    screener = referral.applicant.screening.submitted_by if referral is not None else None
    if referral is None or screener is None or not screener.email or referral.outcome == Referral.Outcome.OPEN:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Steward] The working group decided on an applicant you screened")
        body = _("Open your screening in Steward to see the outcome (row %(row)s):\n%(url)s\n\n"
                 "This email deliberately names nobody.") % {
            "row": referral.applicant.row, "url": _url("registry:screening", referral.applicant.screening_id)}
    delivery.email(subject, body, [screener.email])
    return True
