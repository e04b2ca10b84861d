"""Forms of the screening, referral and registry pages. They parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PersonName, Purpose, Referral, System
from .people import RegistryError
from .records import split_accounts, split_list

ACCOUNTS_HELP = _("As system:handle, separated by “;” — e.g. github:octocat; matrix:@octo:example.org. "
                  "Systems: %(systems)s.") % {"systems": ", ".join(System.values)}


def _accounts(form: forms.Form, field: str) -> list[tuple[str, str]]:
    try:
        return split_accounts(form.cleaned_data.get(field, ""))
    except RegistryError as error:
        form.add_error(field, str(error.message))
        return []


class ApplicantForm(forms.Form):
    """One applicant, as a screener gives them."""

    purpose = forms.ChoiceField(label=_("Screened for"), choices=Purpose.choices)
    name = forms.CharField(label=_("Name"), max_length=300)
    emails = forms.CharField(label=_("Email addresses"), required=False, max_length=2000,
                             help_text=_("Separated by “;”."))
    accounts = forms.CharField(label=_("Accounts"), required=False, max_length=2000, help_text=ACCOUNTS_HELP)
    country = forms.CharField(label=_("Country"), required=False, max_length=100)

    def applicant(self) -> dict[str, object]:
        return {"name": self.cleaned_data["name"], "emails": split_list(self.cleaned_data["emails"]),
                "accounts": _accounts(self, "accounts"), "country": self.cleaned_data["country"]}


class ApplicantsFileForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Screened for"), choices=Purpose.choices)
    file = forms.FileField(label=_("CSV file"), help_text=_(
        "Columns name,emails,accounts and optionally country, with a header line; emails and accounts "
        "separated by “;”, accounts as system:handle. UTF-8."))


class ReferralDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect, choices=[
        (Referral.Outcome.APPROVED, _("Approve")), (Referral.Outcome.DECLINED, _("Decline")),
        (Referral.Outcome.CONDITIONS, _("Approve with conditions"))])
    conditions = forms.CharField(label=_("Conditions"), required=False, max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Shown to the screener with the outcome: write them for them, "
                                             "without the reasons."))
    note = forms.CharField(label=_("Note for the working group"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Never shown to the screener."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class NameForm(ReasonForm):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=PersonName.Kind.choices)
    field_order = ["name", "kind", "reason"]


class LinkForm(ReasonForm):
    system = forms.ChoiceField(label=_("System"), choices=System.choices)
    handle = forms.CharField(label=_("Account name or email address"), max_length=300)
    field_order = ["system", "handle", "reason"]


class RecordForm(forms.Form):
    """A record of a matter handled outside Steward (HR or Legal)."""

    name = forms.CharField(label=_("Name"), max_length=300)
    aliases = forms.CharField(label=_("Aliases"), required=False, max_length=2000, help_text=_("Separated by “;”."))
    emails = forms.CharField(label=_("Email addresses"), required=False, max_length=2000,
                             help_text=_("Separated by “;”."))
    accounts = forms.CharField(label=_("Accounts"), required=False, max_length=2000, help_text=ACCOUNTS_HELP)
    level = forms.CharField(label=_("Level or consequence"), required=False, max_length=200)
    starts_on = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=_("Empty: today."))
    ends_on = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              help_text=_("Empty: no end; the record always counts."))
    reference = forms.CharField(label=_("Your reference"), required=False, max_length=100)
    restricted = forms.BooleanField(label=_("Restricted: shown in full to HR and Legal only"), required=False,
                                    initial=True)

    def accounts_given(self) -> list[tuple[str, str]]:
        return _accounts(self, "accounts")


class RecordsFileForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_(
        "Columns id,name,aliases,emails,accounts and optionally level,starts,ends (YYYY-MM-DD), with a header "
        "line; aliases and emails separated by “;”, accounts as system:handle separated by “;”. UTF-8."))


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, email address or account"), max_length=300, required=False)
