from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    """Django's renderer, with each field group in a <div class="field"> so the stylesheet can space and lay out fields."""

    field_template_name = "core/field.html"


class FixedChoices:
    """For a choice field whose choices are set when its form class is made.

    Django deep-copies every field of a form for each instance, and a choice field's copy
    deep-copies its choices and normalises them again for its widget: two thirds of the time it
    took to make the report form. Choices are never changed in place (a form that needs other
    choices assigns a new list, which Django's setters do), so the copies can share them."""

    widget: forms.Widget
    error_messages: dict[str, Any]
    validators: list[Any]

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = copy.copy(self)
        memo[id(self)] = result
        widget = copy.copy(self.widget)  # shares the choices, like the field
        widget.attrs = self.widget.attrs.copy()
        memo[id(self.widget)] = widget
        result.widget = widget
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class ChoiceField(FixedChoices, forms.ChoiceField):
    pass


class MultipleChoiceField(FixedChoices, forms.MultipleChoiceField):
    pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


YES_NO = [("no", "no"), ("yes", "yes")]


def _copied(obj: Any) -> Any:
    """copy.copy without the pickling protocol it goes through (form fields and widgets have no slots)."""
    result = object.__new__(type(obj))
    result.__dict__.update(obj.__dict__)
    return result


class QuickCopiedFields(dict[str, forms.Field]):
    """A form class's `base_fields` that Django's per-instance deep copy copies quickly.

    Each field and its widget are copied, with their own attrs, error messages and validators, which
    is what `Field.__deepcopy__` and `Widget.__deepcopy__` copy (choices are shared, as `FixedChoices`
    explains). For a form of thirty questions this halves the cost of making it."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {}
        for name, field in self.items():
            if isinstance(field.widget, forms.MultiWidget) or (
                    isinstance(field, forms.ChoiceField) and not isinstance(field, FixedChoices)):
                fields[name] = copy.deepcopy(field, memo)  # their own copies are deeper
                continue
            copied = _copied(field)
            widget = copied.widget = _copied(field.widget)
            widget.attrs = field.widget.attrs.copy()
            copied.error_messages = field.error_messages.copy()
            copied.validators = field.validators[:]
            fields[name] = copied
        return fields


def quick_copied_fields[F: type[forms.Form]](form_class: F) -> F:
    """Class decorator: the form's fields are copied per instance by `QuickCopiedFields`."""
    form_class.base_fields = QuickCopiedFields(form_class.base_fields)
    return form_class
