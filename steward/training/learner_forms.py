"""Forms of the learner's pages. The quiz form only shows the attempt's questions; what was
answered is checked by the grading engine against the attempt, not by the form (see `learning.submit`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .learning import COMMENT_LIMIT, ShownQuestion

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Take this course in"))

    def __init__(self, *args: Any, languages: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        if isinstance(field, forms.ChoiceField):
            field.choices = list(languages)


class AnswersForm(forms.Form):
    """One field per question shown (``q-<question id>``), its choices in the attempt's order."""

    def __init__(self, *args: Any, questions: Sequence[ShownQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in questions:
            choices = [(str(choice.id), choice.text) for choice in question.choices]
            label = f"{question.number}. {question.text}"
            field: forms.Field
            if question.one_answer:
                field = forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect, required=False)
            else:
                field = forms.MultipleChoiceField(label=label, choices=choices, widget=forms.CheckboxSelectMultiple,
                                                  required=False, help_text=_("Choose every answer that applies."))
            self.fields[question.field_name] = field


class SurveyForm(forms.Form):
    understood = forms.ChoiceField(label=_("I understand how this applies to my role."), choices=YES_NO,
                                   widget=forms.RadioSelect)
    worth_time = forms.ChoiceField(label=_("This was worth my time."), choices=YES_NO, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Anything else you want to tell the course's authors? (optional)"),
                              required=False, max_length=COMMENT_LIMIT, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Only the course's owners read this."))
