"""The appeal forms: the reported person's grounds (no account) and the decision maker's review."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .appeals import GROUNDS_MAX_LENGTH
from .forms import LEVEL_PREFIX
from .models import OTHER_OUTCOMES, Appeal, Ladder, Level


class GroundsForm(forms.Form):
    grounds = forms.CharField(label=_("Why you disagree with the decision"), max_length=GROUNDS_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("Someone who took no part in the decision reads this and reviews it."))


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome of the appeal"), widget=forms.RadioSelect, choices=[
        (Appeal.Status.UPHELD.value, _("Uphold: the decision stays as it is")),
        (Appeal.Status.CHANGED.value, _("Change: a new decision replaces it")),
        (Appeal.Status.REVERSED.value, _("Reverse: the decision no longer applies")),
    ])
    choice = forms.ChoiceField(label=_("New level or outcome (when changing)"), required=False,
                               widget=forms.RadioSelect)
    ends_on = forms.DateField(label=_("New end (when changing to a temporary ban)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              help_text=_("Empty: the start of the decision plus the level's default duration."))
    reasons = forms.CharField(label=_("Reasons (internal)"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    reporter_message = forms.CharField(
        label=_("What the reporter is told"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Posted on the reporter's follow-up page; for a change, also the new decision's summary."))

    def __init__(self, *args: Any, ladder: Ladder | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.levels = {level.pk: level for level in (ladder.levels_in_order() if ladder is not None else [])}
        cast(forms.ChoiceField, self.fields["choice"]).choices = [
            (f"{LEVEL_PREFIX}{level.pk}", level.name) for level in self.levels.values()
        ] + [(outcome.value, outcome.label) for outcome in OTHER_OUTCOMES]

    def chosen(self) -> tuple[Level | None, str | None]:
        value = self.cleaned_data.get("choice") or ""
        if value.startswith(LEVEL_PREFIX):
            return self.levels[int(value.removeprefix(LEVEL_PREFIX))], None
        return None, value or None
