from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case

from .models import Outcome


def party_label(party: Any) -> str:
    handles = ", ".join(f"{identity.get_system_display()} {identity.handle}" for identity in party.person.identities.all())
    return f"{party.get_role_display()}: {handles}"


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    subject = forms.TypedChoiceField(label=_("Person the decision applies to"), required=False, coerce=int,
                                     empty_value=None, help_text=_("Required for a ban."))
    ban_until = forms.DateField(label=_("Ban ends on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                help_text=_("Temporary bans only."))
    reporter_summary = forms.CharField(label=_("Decision summary for the reporter"), max_length=5000,
                                       widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text=_("The reporter sees this on their follow-up page."))
    rationale = forms.CharField(label=_("Reasons (internal)"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parties = case.parties.select_related("person").prefetch_related(
            "person__identities__data_key").order_by("pk")
        labels: dict[int, str] = {}
        self.people = {}
        for party in parties:
            self.people[party.person_id] = party.person
            labels.setdefault(party.person_id, party_label(party))
        cast(forms.TypedChoiceField, self.fields["subject"]).choices = [("", _("Nobody in particular")), *labels.items()]
