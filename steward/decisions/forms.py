from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from steward.cases import services as cases
from steward.cases.models import Case, Space
from steward.registry.models import System

from . import decision_messages
from .models import OTHER_OUTCOMES, Ban, Ladder, Level, MessageKind, ToolAccess

LEVEL_PREFIX = "level:"


def language_label(language: str) -> str:
    """A message language by its own name ("Deutsch (de)"), as translators and readers know it."""
    try:
        return f"{get_language_info(decision_messages.interface(language))['name_local']} ({language})"
    except KeyError:
        return language


def party_label(party: Any) -> str:
    handles = ", ".join(f"{identity.get_system_display()} {identity.handle}" for identity in party.person.identities.all())
    return f"{party.get_role_display()}: {handles}"


class DecisionForm(forms.Form):
    choice = forms.ChoiceField(label=_("Level or outcome"), widget=forms.RadioSelect)
    subject = forms.TypedChoiceField(label=_("Person the decision applies to"), required=False, coerce=int,
                                     empty_value=None, help_text=_("Required for a ban."))
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("Ends on"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              help_text=_("Temporary bans only. Empty: the start plus the level's default duration."))
    spaces = forms.ModelMultipleChoiceField(label=_("Spaces"), required=False, queryset=Space.objects.none(),
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=_("Leave all unticked for every space."))
    systems = forms.MultipleChoiceField(label=_("Systems"), required=False, choices=System.choices,
                                        widget=forms.CheckboxSelectMultiple,
                                        help_text=_("Leave all unticked for every system."))
    conditions = forms.CharField(label=_("Conditions for return"), required=False, max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Quoted in the message to the person the decision applies to."))
    reporter_summary = forms.CharField(label=_("Decision summary for the reporter"), max_length=5000,
                                       widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text=_("The reporter sees this on their follow-up page."))
    rationale = forms.CharField(label=_("Reasons (internal)"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    # Only while a required consultation is open or not asked (removed otherwise).
    override_reason = forms.CharField(
        label=_("Reason to decide without waiting for the consultations"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to wait for the answers. A reason is kept sealed with the case and recorded in the audit log."))
    departure_reason = forms.CharField(label=_("Why you chose other than the recommendation (internal)"),
                                       required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text=_("Required when the level or outcome differs from the recommendation."))
    # The message to the person the decision applies to (decisions/decision_messages.py).
    behaviour = forms.CharField(
        label=_("The behaviour, described neutrally"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the message to the person the decision applies to. Describe what happened, not the person, "
                    "and never who reported it."))
    impact = forms.CharField(label=_("Its impact"), required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("For the same message: how it affected others or the community."))
    expected_change = forms.CharField(label=_("The change expected"), required=False, max_length=5000,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text=_("For the same message: what the person is asked to do from now on."))
    message_language = forms.ChoiceField(label=_("Language of this message"),
                                         required=False, help_text=_("Each reporter's message is written in the language of their report."))

    def __init__(self, *args: Any, case: Case, ladder: Ladder | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("starts_on", timezone.localdate())
        kwargs["initial"].setdefault("message_language", decision_messages.default_language())
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["message_language"]).choices = [
            (language, language_label(language)) for language in decision_messages.languages()]
        parties = case.parties.select_related("person").prefetch_related(
            "person__identities__data_key").order_by("pk")
        labels: dict[int, str] = {}
        self.people = {}
        for party in parties:
            self.people[party.person_id] = party.person
            labels.setdefault(party.person_id, party_label(party))
        cast(forms.TypedChoiceField, self.fields["subject"]).choices = [("", _("Nobody in particular")), *labels.items()]
        self.required_consultations = cases.required_consultations(case)
        if all(need.satisfied for need in self.required_consultations):
            del self.fields["override_reason"]
        self.levels = {level.pk: level for level in (ladder.levels_in_order() if ladder is not None else [])}
        cast(forms.ChoiceField, self.fields["choice"]).choices = [
            (f"{LEVEL_PREFIX}{level.pk}", level.name) for level in self.levels.values()
        ] + [(outcome.value, outcome.label) for outcome in OTHER_OUTCOMES]
        cast("forms.ModelMultipleChoiceField[Space]", self.fields["spaces"]).queryset = Space.objects.filter(active=True)

    def clean_message_language(self) -> str:
        return str(self.cleaned_data.get("message_language") or decision_messages.default_language())

    def chosen(self) -> tuple[Level | None, str | None]:
        """The level, or the outcome, the cleaned choice names."""
        value = self.cleaned_data["choice"]
        if value.startswith(LEVEL_PREFIX):
            return self.levels[int(value.removeprefix(LEVEL_PREFIX))], None
        return None, value


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Start from a preset"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, presets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["preset"]).choices = presets


class LadderDetailsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class LevelForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=50, help_text=_("A short stable code, e.g. “warning”."))
    name = forms.CharField(label=_("Name"), max_length=200)
    impact = forms.CharField(label=_("Community impact it fits"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    consequence = forms.CharField(label=_("Consequence"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    no_contact = forms.BooleanField(label=_("No contact with the people involved"), required=False)
    cooling_off = forms.BooleanField(label=_("Cooling-off period"), required=False)
    tool_access = forms.ChoiceField(label=_("Tool access"), choices=ToolAccess.choices)
    leadership_suspended = forms.BooleanField(label=_("Leadership roles suspended"), required=False)
    events_barred = forms.BooleanField(label=_("Barred from events"), required=False)
    ban = forms.ChoiceField(label=_("Ban"), choices=Ban.choices)
    default_duration_days = forms.IntegerField(label=_("Default duration (days)"), min_value=0, initial=0,
                                               help_text=_("0 for none; a temporary ban needs one."))
    onboarding_required = forms.BooleanField(label=_("Onboarding required before return"), required=False)
    breach_leads_to = forms.TypedChoiceField(label=_("A breach leads to"), required=False, coerce=int,
                                             empty_value=None)
    message_kind = forms.ChoiceField(label=_("Default message"), choices=MessageKind.choices)

    def __init__(self, *args: Any, ladder: Ladder, level: Level | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = [item for item in ladder.levels_in_order() if level is None or item.pk != level.pk]
        cast(forms.TypedChoiceField, self.fields["breach_leads_to"]).choices = [
            ("", _("Nothing further")), *((item.pk, item.name) for item in others)]
