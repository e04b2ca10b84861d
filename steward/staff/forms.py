from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from steward.core.api import Scope
from steward.core.roles import Role

from .services import assignable_staff


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Role.choices, required=False, label=_("Roles"), **kwargs)


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("Letters, digits and @ . + - _ only. They sign in with it."))
    email = forms.EmailField(label=_("Email address"),
                             help_text=_("The invitation to choose a password goes here; single sign-on matches it too."))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    roles = RolesField(help_text=_("What they may do in Steward. You can change this later."))


class RolesForm(forms.Form):
    roles = RolesField(help_text=_("Tick every role this person holds; untick a role to take it away."))


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class OffboardForm(forms.Form):
    reassign_to = StaffChoiceField(label=_("Hand open cases to"), queryset=User.objects.none(), required=False,
                                   empty_label=_("Nobody (back to the triage queue)"))

    def __init__(self, *args: Any, leaving: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(StaffChoiceField, self.fields["reassign_to"]).queryset = assignable_staff().exclude(pk=leaving)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("The tool that will use it, for example “Forum report button”."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": _("Choose at least one scope.")})
    owner = StaffChoiceField(
        label=_("Acts for"), queryset=User.objects.none(), required=False, empty_label=_("Nobody (no case access)"),
        help_text=_("Needed to read cases: the token sees exactly what this staff member may see, for as long as they may."))
    expires_on = forms.DateField(label=_("Valid until (optional)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("The token stops working at the end of this day (UTC)."),
                                 error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-03-14.")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(StaffChoiceField, self.fields["owner"]).queryset = (
            User.objects.filter(is_active=True, is_staff=True).order_by("first_name", "username"))

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC) if day else None


class ProfileForm(forms.Form):
    """What training's role rules read of a staff member (steward.staff.models.Profile)."""

    job_title = forms.CharField(label=_("Job title"), max_length=150, required=False,
                                help_text=_("For example “Community Manager”. Role rules match phrases in it."))
    team = forms.CharField(label=_("Team"), max_length=100, required=False)
    manager = StaffChoiceField(label=_("Manager"), queryset=User.objects.none(), required=False,
                               empty_label=_("Nobody"),
                               help_text=_("Told when this person is late with an assigned course."))
    works_on_code_and_chat = forms.BooleanField(
        label=_("Works regularly with contributors on code hosting, bug trackers or chat"), required=False)
    works_at_events = forms.BooleanField(label=_("Organises, speaks at or hosts events"), required=False)
    writes_for_social_media = forms.BooleanField(label=_("Writes for social media or blogs"), required=False)

    def __init__(self, *args: Any, member: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(StaffChoiceField, self.fields["manager"]).queryset = (
            User.objects.filter(is_active=True, is_staff=True).exclude(pk=member.pk).order_by("first_name", "username"))
