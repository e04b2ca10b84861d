"""Forms of the role rules, contributor learners, assigning by hand, and the learner sign-in."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import assignments
from .models import AssignmentRule, Course


class CourseChoiceField(forms.ModelChoiceField[Course]):
    def label_from_instance(self, obj: Course) -> str:
        from .services import course_title

        return f"{course_title(obj)} ({obj.slug})"


def _course_field(**kwargs: Any) -> CourseChoiceField:
    return CourseChoiceField(label=_("Course"), queryset=Course.objects.none(), empty_label=None,
                             error_messages={"invalid_choice": _("Choose one of the published courses.")}, **kwargs)


class RuleForm(forms.Form):
    course = _course_field()
    who = forms.ChoiceField(label=_("Who must take it"), choices=AssignmentRule.Who.choices, widget=forms.RadioSelect)
    title_contains = forms.CharField(
        label=_("Job titles containing"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One phrase per line, any case, for example “Community Manager”. For community-facing staff "
                    "and their managers."))
    by_code_and_chat = forms.BooleanField(
        label=_("…or marked as working regularly with contributors on code hosting, bug trackers or chat"),
        required=False)
    by_events = forms.BooleanField(label=_("…or marked as organising, speaking at or hosting events"), required=False)
    by_social_media = forms.BooleanField(label=_("…or marked as writing for social media or blogs"), required=False)
    due_days = forms.IntegerField(label=_("Due (days after it is assigned)"), min_value=1, max_value=730, initial=30)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(CourseChoiceField, self.fields["course"]).queryset = assignments.assignable_courses()

    def rule_input(self) -> assignments.RuleInput:
        data = self.cleaned_data
        return assignments.RuleInput(
            course=data["course"], who=data["who"], title_contains=data["title_contains"],
            by_code_and_chat=data["by_code_and_chat"], by_events=data["by_events"],
            by_social_media=data["by_social_media"], due_days=data["due_days"], active=data["active"])


class ContributorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email address"), help_text=_("They sign in with a code sent here."))
    team = forms.CharField(label=_("Team or project"), max_length=100, required=False)
    leadership_role = forms.CharField(
        label=_("Leadership role"), max_length=100, required=False,
        help_text=_("For example “maintainer” or “release manager”. Contributors in leadership roles are selected "
                    "by the rules for them."))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")

    def contributor_input(self) -> assignments.ContributorInput:
        return assignments.ContributorInput(**self.cleaned_data)


class AssignForm(forms.Form):
    course = _course_field()
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}),
                             error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-03-14.")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(CourseChoiceField, self.fields["course"]).queryset = assignments.assignable_courses()


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Sign-in code"), max_length=12, help_text=_("The 6 digits from the email."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
