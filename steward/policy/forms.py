from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.core import markup

from . import locales, services
from .models import GuidelineTranslation, GuidelineVersion, SectionKind, VersionNumber


def _markdown_field(label: Any, *, required: bool = False, rows: int = 10) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=20000, validators=[markup.check],
                           widget=forms.Textarea(attrs={"rows": rows, "class": "markdown", "spellcheck": "true"}))


class NewVersionForm(forms.Form):
    number = forms.CharField(label=_("Version number"), max_length=9,
                             help_text=_("Whole numbers like 2 or 2.1; higher than every existing version."))
    effective_date = forms.DateField(label=_("Takes effect on"), widget=forms.DateInput(attrs={"type": "date"}),
                                     error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-03-14.")})
    changelog = forms.CharField(label=_("What changes (for the change log)"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 2}), validators=[markup.check],
                                help_text=_("For example: “Added caste as a protected characteristic.”"))

    def clean_number(self) -> str:
        value = str(self.cleaned_data["number"]).strip()
        if VersionNumber.parse(value) is None:
            raise ValidationError(_("Use whole numbers like 2 or 2.1."))
        return value

    def clean_effective_date(self) -> Any:
        value = self.cleaned_data.get("effective_date")
        if value and value < timezone.localdate():
            raise ValidationError(_("This date is in the past. A new version takes effect today or later."))
        return value


class DraftForm(NewVersionForm):
    """The whole draft on one page: metadata, the seven sections and both lists."""

    categories = forms.CharField(
        label=_("Categories of unacceptable behaviour"), max_length=10000, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One per line: slug | Label | short description. Reporters choose from these on the intake form."))
    characteristics = forms.CharField(
        label=_("Protected characteristics"), max_length=5000, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One per line."))

    def __init__(self, *args: Any, version: GuidelineVersion | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sections = {s.kind: s for s in version.sections.all()} if version else {}
        for kind in SectionKind:
            section = sections.get(kind)
            self.fields[f"title_{kind}"] = forms.CharField(label=_("Title"), max_length=200,
                                                            initial=section.title if section else kind.label)
            self.fields[f"body_{kind}"] = _markdown_field(kind.label, required=True, rows=12)
            self.fields[f"body_{kind}"].initial = section.body_markdown if section else ""
        if version is not None and not self.is_bound:
            self.initial.update({
                "number": str(version.number), "effective_date": version.effective_date, "changelog": version.changelog,
                "categories": "\n".join(f"{c.slug} | {c.label}" + (f" | {c.description}" if c.description else "")
                                        for c in version.categories.all()),
                "characteristics": "\n".join(c.label for c in version.characteristics.all()),
            })

    def section_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(str(kind.label), self[f"title_{kind}"], self[f"body_{kind}"]) for kind in SectionKind]

    def sections(self) -> dict[str, services.SectionInput]:
        data = self.cleaned_data
        return {kind.value: services.SectionInput(data[f"title_{kind}"], data[f"body_{kind}"]) for kind in SectionKind}


class PublishForm(forms.Form):
    notify_subscribers = forms.BooleanField(
        label=_("Email confirmed subscribers about this version, in their language"), required=False, initial=True)


class TranslationForm(forms.Form):
    changelog = forms.CharField(label=_("Change log entry"), required=False, max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 2}), validators=[markup.check])

    def __init__(self, *args: Any, version: GuidelineVersion, locale: str,
                 translation: GuidelineTranslation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version, self.locale = version, locale
        existing = {s.kind: s for s in translation.sections.all()} if translation else {}
        self.sources = {s.kind: s for s in version.sections.all()}
        attrs = {"lang": locale, "dir": locales.direction(locale)}
        for kind in SectionKind:
            if kind not in self.sources:
                continue
            done = existing.get(kind)
            self.fields[f"title_{kind}"] = forms.CharField(label=_("Title"), required=False, max_length=200,
                                                            widget=forms.TextInput(attrs=attrs))
            self.fields[f"body_{kind}"] = _markdown_field(kind.label, rows=12)
            self.fields[f"body_{kind}"].widget.attrs.update(attrs)
            if done is not None:
                self.fields[f"title_{kind}"].initial = done.title
                self.fields[f"body_{kind}"].initial = done.body_markdown
        self.fields["changelog"].widget.attrs.update(attrs)
        labels = translation.labels if translation else {}
        for category in version.categories.all():
            key = f"category:{category.slug}"
            self.fields[f"label_{key}"] = forms.CharField(label=category.label, required=False, max_length=200,
                                                           initial=labels.get(key, ""), widget=forms.TextInput(attrs=attrs))
            if category.description:
                self.fields[f"label_{key}:description"] = forms.CharField(
                    label=category.description, required=False, max_length=500,
                    initial=labels.get(f"{key}:description", ""), widget=forms.TextInput(attrs=attrs))
        for item in version.characteristics.all():
            key = f"protected:{item.slug}"
            self.fields[f"label_{key}"] = forms.CharField(label=item.label, required=False, max_length=200,
                                                           initial=labels.get(key, ""), widget=forms.TextInput(attrs=attrs))
        if translation is not None and not self.is_bound:
            self.initial["changelog"] = translation.changelog

    def section_rows(self) -> list[dict[str, Any]]:
        return [{"kind": kind, "label": kind.label, "source": self.sources[kind],
                 "title": self[f"title_{kind}"], "body": self[f"body_{kind}"]}
                for kind in SectionKind if kind in self.sources]

    def label_fields(self, prefix: str) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(f"label_{prefix}:")]

    @property
    def category_label_fields(self) -> list[forms.BoundField]:
        return self.label_fields("category")

    @property
    def protected_label_fields(self) -> list[forms.BoundField]:
        return self.label_fields("protected")

    def data_for_service(self) -> services.TranslationInput:
        data = self.cleaned_data
        return services.TranslationInput(
            sections={kind.value: services.SectionInput(data.get(f"title_{kind}", ""), data.get(f"body_{kind}", ""))
                      for kind in SectionKind if kind in self.sources},
            changelog=data.get("changelog", ""),
            labels={name.removeprefix("label_"): value for name, value in data.items() if name.startswith("label_")},
        )


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your email"),
                             error_messages={"invalid": _("Enter a valid email address, like name@example.org."),
                                             "required": _("Enter your email address.")})
    language = forms.ChoiceField(label=_("Language for the emails"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        languages = [(code, f"{locales.name(code)} ({code})") for code in services.subscription_languages()]
        cast(forms.ChoiceField, self.fields["language"]).choices = languages
