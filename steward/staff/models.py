"""What Steward knows of a staff member beyond their account: the facts role-based rules read
(training assigns courses to community-facing staff and their managers)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    team = models.CharField(_("team"), max_length=100, blank=True)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="reports_to_me", verbose_name=_("manager"))
    # Working regularly with contributors, the ways the programme counts as community-facing.
    works_on_code_and_chat = models.BooleanField(
        _("works regularly with contributors on code hosting, bug trackers or chat"), default=False)
    works_at_events = models.BooleanField(_("organises, speaks at or hosts events"), default=False)
    writes_for_social_media = models.BooleanField(_("writes for social media or blogs"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Staff profile of user {self.user_id}"
