"""Forms of the proposal steps: votes, the decision policy, the reported person's response."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from steward.registry.models import Person


class VoteForm(forms.Form):
    vote = forms.ChoiceField(label=_("Your vote"), widget=forms.RadioSelect,
                             choices=[("approve", _("Sign off: approve the proposal")),
                                      ("reject", _("Reject the proposal"))])
    note = forms.CharField(label=_("Note (internal)"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Required when you reject: the dissent is recorded, sealed with the case."))


class EnactForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason to decide without waiting for the consultations"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only while a required consultation is open or not asked. Kept sealed and audited."))


class PolicyForm(forms.Form):
    four_eyes_from_position = forms.IntegerField(
        label=_("Four eyes from level position"), required=False, min_value=1,
        help_text=_("A proposal at or above this position of the current ladder needs a second decision maker's "
                    "sign-off. Empty: no four-eyes rule."))
    quorum = forms.IntegerField(
        label=_("Quorum"), min_value=0, initial=0,
        help_text=_("How many non-conflicted decision makers must agree, the proposer counting as one. 0: off."))


def _people_choices(people: list[Person]) -> list[tuple[int, str]]:
    return [(person.pk, ", ".join(f"{identity.get_system_display()} {identity.handle}"
                                  for identity in person.identities.all())) for person in people]


class ResponseRequestForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Reported person"), coerce=int)
    language = forms.ChoiceField(label=_("Language of the email and the page"), choices=settings.LANGUAGES)
    description = forms.CharField(
        label=_("What they are asked to respond to"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A neutral description in the chosen language. Never say who reported: they will read this."))

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["person"]).choices = _people_choices(people)


class RecordResponseForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Reported person"), coerce=int)
    response = forms.CharField(label=_("The response they gave"), max_length=20000,
                               widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["person"]).choices = _people_choices(people)


class TellReportersForm(forms.Form):
    text = forms.CharField(
        label=_("What the reporters are told is proposed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short neutral text each reporter reads on their follow-up page, with a form for feedback. "
                    "Never say who else reported or what the reported person answered."))


class RespondForm(forms.Form):
    response = forms.CharField(label=_("Your response"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
