from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

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


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class OffboardForm(forms.Form):
    reassign_to = StaffChoiceField(label=_("Hand open cases to"), queryset=User.objects.none(), required=False,
                                   empty_label=_("Nobody (back to the triage queue)"))

    def __init__(self, *args: Any, leaving: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reassign_to"].queryset = assignable_staff().exclude(pk=leaving)  # type: ignore[attr-defined]
