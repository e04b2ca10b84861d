from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from steward.core.roles import Role
from steward.registry.models import System

from .models import Consultation, Part, Party, Priority, Space, Status
from .permissions import CONSULTANT_ROLES
from .triage import TriageAnswers

YES_NO = [("no", _("No")), ("yes", _("Yes"))]


def yes_no_initial(answer: bool | None) -> str | None:
    """A stored yes/no answer as the form's initial choice; unanswered (None) pre-selects nothing."""
    return None if answer is None else ("yes" if answer else "no")


def _yes_no(label: StrOrPromise, *, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect, required=required)


def _answer(value: str) -> bool | None:
    """A yes/no choice as stored; no choice is "not said" (None), never a silent no."""
    return {"yes": True, "no": False}.get(value)


class TriageForm(forms.Form):
    danger = _yes_no(_("Is anyone's safety threatened (physically, sexually or psychologically)?"))
    ongoing = _yes_no(_("Is the behaviour ongoing?"))
    staff_or_leader_involved = _yes_no(_("Is a staff member or community leader involved (as reporter or reported)?"))
    public = _yes_no(_("Did it happen in public (visible to the community)?"))
    pattern = _yes_no(_("Is this part of a pattern (earlier reports or repeated behaviour)?"))
    legal_exposure = _yes_no(_("Is there possible legal exposure (threats, doxxing, employment, local law)?"))
    # Asked for the decision-making policy (which consultations a decision needs); may stay unanswered.
    threats = _yes_no(_("Was anyone threatened?"), required=False)
    minor_involved = _yes_no(_("Is a minor (someone under 18) involved?"), required=False)
    staff_or_contractor_involved = _yes_no(
        _("Is a staff member or contractor of the organisation involved (not a volunteer community leader)?"),
        required=False)
    violation = forms.ChoiceField(
        label=_("Does it appear to violate the code of conduct?"), widget=forms.RadioSelect,
        choices=[("yes", _("Yes")), ("unclear", _("Unclear")), ("no", _("No, or out of scope"))])
    reporter_country = forms.CharField(label=_("Country where the reporter lives"), required=False, max_length=100)
    reported_country = forms.CharField(label=_("Country where the reported person lives"), required=False, max_length=100)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Required when the priority differs from the proposal."))

    def answers(self) -> TriageAnswers:
        data = self.cleaned_data
        flags = {name: data[name] == "yes" for name in
                 ("danger", "ongoing", "staff_or_leader_involved", "public", "pattern", "legal_exposure")}
        return TriageAnswers(**flags, violation=data["violation"], reporter_country=data["reporter_country"],
                             reported_country=data["reported_country"], threats=_answer(data["threats"]),
                             minor_involved=_answer(data["minor_involved"]),
                             staff_or_contractor_involved=_answer(data["staff_or_contractor_involved"]))


def assignable_staff() -> QuerySet[User]:
    return (get_user_model().objects.filter(is_active=True, is_staff=True,
                                            groups__name__in=[Role.TRIAGER, Role.CASE_HANDLER])
            .distinct().order_by("first_name", "username"))


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class AssignForm(forms.Form):
    assignee = StaffChoiceField(label=_("Assign to"), queryset=None, required=False,
                                empty_label=_("Nobody"))

    def __init__(self, *args: Any, excluded: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Staff with a conflict of interest on the case are left out (the service refuses them too).
        cast(StaffChoiceField, self.fields["assignee"]).queryset = assignable_staff().exclude(pk__in=list(excluded))


class TransitionForm(forms.Form):
    # Triage has its own form; deciding goes through the decision form (record_decision).
    to = forms.ChoiceField(label=_("Move to"), choices=[c for c in Status.choices
                                                        if c[0] not in {Status.TRIAGED, Status.DECIDED}])
    reason = forms.CharField(label=_("Reason (internal)"), required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))


class TitleForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=120,
                            help_text=_("A short neutral description for the queue, for example “Insults in code review”. "
                                        "Do not copy the reporter's words or name anyone."))


class MergeForm(forms.Form):
    cases = forms.CharField(label=_("Merge these cases into this one"), max_length=500,
                            help_text=_("Case references separated by commas, for example C-00012, C-00015."))

    def clean_cases(self) -> list[int]:
        ids = []
        for part in self.cleaned_data["cases"].replace(" ", "").split(","):
            number = part.upper().removeprefix("C-")
            if not number:
                continue
            if not number.isdigit():
                raise forms.ValidationError(_("“%(value)s” is not a case reference.") % {"value": part})
            ids.append(int(number))
        if not ids:
            raise forms.ValidationError(_("Give at least one case reference."))
        return ids


class SplitForm(forms.Form):
    report = forms.IntegerField(widget=forms.HiddenInput)


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Party.Role.choices)
    system = forms.ChoiceField(label=_("System"), choices=System.choices)
    handle = forms.CharField(label=_("Account name"), max_length=200)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Open")), *Status.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[("", _("Any")), ("untriaged", _("Not triaged")),
                                          *[(p.value, p.value) for p in Priority]])
    space = forms.ModelChoiceField(label=_("Space"), required=False, queryset=Space.objects.all(), empty_label=_("Any"))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Case or report number, or an exact account name."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody")),
            *[(str(u.pk), u.get_full_name() or u.username) for u in assignable_staff()],
        ]


class DeclareConflictForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional, kept sealed with the case)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class PossibleConflictForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("confirm", _("Confirm")), ("dismiss", _("Dismiss"))])


PART_LABELS = {
    Part.SUMMARY: _("Summary (priority, status, space, dates, timeline)"),
    Part.REPORTS: _("Reports and messages with reporters"),
    Part.EVIDENCE: _("Evidence files"),
    Part.NOTES: _("Internal notes and triage reasons"),
    Part.PARTIES: _("People involved (the reporters only with who reported)"),
    Part.REPORTER_IDENTITY: _("Who reported (reporters' names and contact details)"),
}


def consultants(excluded: Iterable[int] = ()) -> QuerySet[User]:
    roles = list(CONSULTANT_ROLES.values())
    return (get_user_model().objects.filter(is_active=True, is_staff=True, groups__name__in=roles)
            .exclude(pk__in=list(excluded)).distinct().order_by("first_name", "username"))


class ConsultationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Consultation.Kind.choices)
    consultant = StaffChoiceField(label=_("Consultant"), queryset=None)
    parts = forms.MultipleChoiceField(label=_("Share"), required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=list(PART_LABELS.items()), initial=[Part.SUMMARY])
    question = forms.CharField(label=_("Question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, excluded: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(StaffChoiceField, self.fields["consultant"]).queryset = consultants(excluded)


class ConsultationRuleForm(forms.Form):
    enabled = forms.BooleanField(label=_("In force"), required=False)
    kind = forms.ChoiceField(label=_("Consultation required"), choices=Consultation.Kind.choices)
    parts = forms.MultipleChoiceField(label=_("Shared by default"), required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=list(PART_LABELS.items()))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class StaffAccountForm(forms.Form):
    system = forms.ChoiceField(label=_("System"), choices=System.choices)
    handle = forms.CharField(label=_("Account name"), max_length=200)


class CaseLookupForm(forms.Form):
    case = forms.CharField(label=_("Case reference"), max_length=20, help_text=_("For example C-00012."))

    def clean_case(self) -> int:
        number = self.cleaned_data["case"].strip().upper().removeprefix("C-")
        if not number.isdigit():
            raise forms.ValidationError(_("“%(value)s” is not a case reference.") % {"value": self.cleaned_data["case"]})
        return int(number)
