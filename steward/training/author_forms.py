"""The authoring pages' forms: they parse and check the shape of input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from steward.core import markup

from . import authoring
from .models import Course, Question, Quiz

MAX_FILE = 1_000_000  # a course document is text: the starter courses are about 40 kB
MAX_CHOICES = 8


def _markdown(label: Any, *, rows: int = 12, required: bool = True, max_length: int = 50_000) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, validators=[markup.check],
                           widget=forms.Textarea(attrs={"rows": rows, "class": "markdown", "spellcheck": "true"}))


def _text(label: Any, *, rows: int = 2, required: bool = False, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=5000, validators=[markup.check],
                           help_text=help_text, widget=forms.Textarea(attrs={"rows": rows}))


class TomlFileField(forms.FileField):
    def clean(self, *args: Any, **kwargs: Any) -> Any:
        upload = super().clean(*args, **kwargs)
        if upload is not None and upload.size > MAX_FILE:
            raise ValidationError(_("The file is larger than 1 MB; a course document is much smaller."))
        return upload


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(label=_("Short name"), max_length=64,
                           help_text=_("Lower-case letters, digits and hyphens; it names the course in files and links."))
    audience = forms.ChoiceField(label=_("For"), choices=Course.Audience.choices)
    valid_for_days = forms.IntegerField(label=_("A completion counts for (days)"), required=False, min_value=1,
                                        max_value=3650, help_text=_("Empty: it never expires. 365: learners take it yearly."))
    summary = _text(_("Summary"))


class ImportCourseForm(forms.Form):
    file = TomlFileField(label=_("Course document (TOML)"))
    audience = forms.ChoiceField(label=_("For"), choices=Course.Audience.choices)


class ImportForm(forms.Form):
    file = TomlFileField(label=_("Document (TOML)"))


class ImageForm(forms.Form):
    file = forms.FileField(label=_("Image (PNG, JPEG, WebP or GIF, up to 2 MB and 4000 × 4000 pixels)"))


class NewVersionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of change"), widget=forms.RadioSelect, initial="minor", choices=[
        ("minor", _("Minor: corrections and small changes; passes of earlier versions still count")),
        ("major", _("Major: new or changed content")),
    ])
    requires_recertification = forms.BooleanField(
        label=_("Everyone who passed an earlier version must pass this one again"), required=False,
        help_text=_("Only for a major version."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("requires_recertification") and data.get("kind") != "major":
            self.add_error("requires_recertification", _("Only a new major version can ask everyone to pass again."))
        return data


class VersionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = _text(_("Summary"), rows=3)
    pass_mark = forms.IntegerField(label=_("Pass mark (percent of each quiz's points)"), min_value=1, max_value=100)
    requires_recertification = forms.BooleanField(
        label=_("Everyone who passed an earlier version must pass this one again"), required=False)


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = _markdown(_("Text (Markdown)"), rows=18)


class NewLessonForm(LessonForm):
    key = forms.CharField(label=_("Key"), max_length=64, required=False,
                          help_text=_("Names the lesson in files and translations; made from the title when empty. "
                                      "It never changes."))
    field_order = ["title", "key", "body"]


class QuizForm(forms.Form):
    explanations = forms.ChoiceField(label=_("Show explanations"), choices=Quiz.Explanations.choices)
    max_attempts = forms.IntegerField(label=_("Attempts allowed"), min_value=0, max_value=100, initial=0,
                                      help_text=_("0: unlimited."))
    shuffle = forms.BooleanField(label=_("Questions and answers in a new order for each attempt"), required=False,
                                 initial=True)
    grading = forms.ChoiceField(label=_("Grade by"), choices=Quiz.Grading.choices)


class QuestionForm(forms.Form):
    """A question and up to MAX_CHOICES answers; an answer row left empty is not kept."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    text = _text(_("Question"), rows=2, required=True)
    explanation = _text(_("Explanation (shown after answering)"))

    def __init__(self, *args: Any, question: Question | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        existing = list(question.choices.all()) if question else []
        if question is not None and not self.is_bound:
            self.initial.update(kind=question.kind, text=question.text, explanation=question.explanation)
        for number in range(max(MAX_CHOICES, len(existing))):
            choice = existing[number] if number < len(existing) else None
            self.fields[f"choice_{number}_key"] = forms.CharField(required=False, widget=forms.HiddenInput,
                                                                  initial=choice.key if choice else "")
            self.fields[f"choice_{number}_text"] = _text(_("Answer %(number)d") % {"number": number + 1}, rows=1)
            self.fields[f"choice_{number}_correct"] = forms.BooleanField(label=_("Correct"), required=False)
            self.fields[f"choice_{number}_explanation"] = _text(_("Why (shown after answering)"), rows=1)
            if choice is not None and not self.is_bound:
                self.initial.update({f"choice_{number}_text": choice.text, f"choice_{number}_correct": choice.correct,
                                     f"choice_{number}_explanation": choice.explanation})
        self.rows = [(self[f"choice_{n}_key"], self[f"choice_{n}_text"], self[f"choice_{n}_correct"],
                      self[f"choice_{n}_explanation"]) for n in range(max(MAX_CHOICES, len(existing)))]

    def question_input(self) -> authoring.QuestionInput:
        data = self.cleaned_data
        choices: list[authoring.ChoiceInput] = []
        for number in range(len(self.rows)):
            text = data.get(f"choice_{number}_text", "").strip()
            if not text:
                continue
            key = data.get(f"choice_{number}_key", "").strip()
            if data["kind"] == Question.Kind.TRUE_FALSE and not key:
                key = "true" if not any(c.key == "true" for c in choices) else "false"
            choices.append(authoring.ChoiceInput(text, bool(data.get(f"choice_{number}_correct")),
                                                 data.get(f"choice_{number}_explanation", ""), key))
        return authoring.QuestionInput(data["kind"], data["text"], data.get("explanation", ""), choices)


class OwnerForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none())

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = User.objects.filter(is_staff=True, is_active=True).exclude(
                pk__in=course.owners.values("pk")).order_by("username")


class TranslationForm(forms.Form):
    """One field per translatable place, beside its source text; `confirm` marks an outdated
    place as still matching the new source."""

    def __init__(self, *args: Any, rows: list[authoring.PlaceRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.places = rows
        for number, row in enumerate(rows):
            lines = 10 if row.is_markdown else 2
            self.fields[f"t{number}"] = forms.CharField(
                label=row.place, required=False, max_length=50_000, initial=row.text, validators=[markup.check],
                widget=forms.Textarea(attrs={"rows": lines, "class": "markdown" if row.is_markdown else ""}))
            if row.state == "outdated":
                self.fields[f"c{number}"] = forms.BooleanField(
                    label=_("Still matches the new source text"), required=False)

    def editor_rows(self) -> list[tuple[authoring.PlaceRow, Any, Any]]:
        return [(row, self[f"t{n}"], self[f"c{n}"] if f"c{n}" in self.fields else None)
                for n, row in enumerate(self.places)]

    def texts(self) -> dict[str, str]:
        return {row.place: self.cleaned_data.get(f"t{n}", "") for n, row in enumerate(self.places)}

    def confirmed(self) -> set[str]:
        return {row.place for n, row in enumerate(self.places) if self.cleaned_data.get(f"c{n}")}
