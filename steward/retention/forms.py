from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.cases.models import Case, ErasureReason
from steward.registry.models import System


class EraseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is this case erased?"), choices=ErasureReason.choices, widget=forms.RadioSelect)
    confirm = forms.CharField(label=_("Type the case reference to confirm"), max_length=20)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["confirm"].help_text = _("For example %(ref)s. Erasing cannot be undone.") % {"ref": case.reference}

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data["confirm"].strip().upper()
        if value != self.case.reference:
            raise forms.ValidationError(_("This is not the reference of this case."))
        return value


class ExportForm(forms.Form):
    system = forms.ChoiceField(label=_("System"), required=False, choices=[("", "—"), *System.choices])
    handle = forms.CharField(label=_("Account name"), required=False, max_length=200)
    email = forms.EmailField(label=_("Email address"), required=False,
                             help_text=_("Reports sent with this contact address are included with their full text."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        system, handle = data.get("system"), (data.get("handle") or "").strip()
        if bool(system) != bool(handle):
            raise forms.ValidationError(_("Give both the system and the account name, or neither."))
        if not handle and not data.get("email") and "email" not in self.errors:
            raise forms.ValidationError(_("Give an account (system and name) or an email address."))
        return data
