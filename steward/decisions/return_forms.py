"""Forms of interim measures, check-ins, breaches and the return page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case, Space
from steward.registry.models import System

from .forms import party_label
from .models import InterimRestriction


class InterimMeasureForm(forms.Form):
    subject = forms.TypedChoiceField(label=_("Person"), coerce=int)
    restriction = forms.ChoiceField(label=_("Restriction"), choices=InterimRestriction.choices, widget=forms.RadioSelect)
    spaces = forms.ModelMultipleChoiceField(label=_("Spaces"), required=False, queryset=Space.objects.none(),
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=_("Leave all unticked for every space."))
    systems = forms.MultipleChoiceField(label=_("Systems"), required=False, choices=System.choices,
                                        widget=forms.CheckboxSelectMultiple,
                                        help_text=_("Leave all unticked for every system."))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              help_text=_("It also ends when the decision is recorded."))
    reason = forms.CharField(label=_("Why the measure is needed (internal)"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels: dict[int, str] = {}
        self.people = {}
        for party in case.parties.select_related("person").prefetch_related("person__identities__data_key").order_by("pk"):
            self.people[party.person_id] = party.person
            labels.setdefault(party.person_id, party_label(party))
        cast(forms.TypedChoiceField, self.fields["subject"]).choices = list(labels.items())
        cast("forms.ModelMultipleChoiceField[Space]", self.fields["spaces"]).queryset = Space.objects.filter(active=True)


class CheckInForm(forms.Form):
    note = forms.CharField(label=_("How the check-in went (internal)"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class BreachForm(forms.Form):
    observed_on = forms.DateField(label=_("Day of the breach"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("What happened (internal)"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class AcknowledgeForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, max_length=20)
    read = forms.BooleanField(label=_("I have read the code of conduct and will follow it."),
                              error_messages={"required": _("Tick the box to confirm that you have read it.")})
