"""`{% per_language %}` renders a fragment once per language and named values; `QuickCopiedFields`
gives each form instance fields of its own."""

from __future__ import annotations

from django import forms
from django.template import Context, Template
from django.utils import translation

from steward.core.forms import ChoiceField, quick_copied_fields

TEMPLATE = Template('{% load i18n fragments %}{% per_language name %}{% translate "Report" %} {{ name }} {{ other }}'
                    '{% endper_language %}')


def test_a_fragment_is_rendered_once_per_language_and_value():
    with translation.override("en"):
        first = TEMPLATE.render(Context({"name": "a", "other": "1"}))
        again = TEMPLATE.render(Context({"name": "a", "other": "2"}))  # not named: the first rendering is kept
        other_name = TEMPLATE.render(Context({"name": "b", "other": "2"}))
    with translation.override("de"):
        german = TEMPLATE.render(Context({"name": "a", "other": "1"}))
    assert first == again == "Report a 1"
    assert other_name == "Report b 2"
    assert german == "Melden a 1"  # rendered again in the other language


def test_a_fragment_escapes_what_it_shows():
    with translation.override("en"):
        assert "&lt;b&gt;" in TEMPLATE.render(Context({"name": "<b>", "other": ""}))


@quick_copied_fields
class _Form(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"class": "a"}))
    kind = ChoiceField(choices=[("x", "X")])


def test_each_form_gets_fields_of_its_own():
    one, two = _Form(), _Form()
    one.fields["text"].widget.attrs["class"] = "b"
    one.fields["text"].error_messages["required"] = "changed"
    one.fields["kind"].choices = [("y", "Y")]
    assert two.fields["text"].widget.attrs == {"class": "a"}
    assert two.fields["text"].error_messages["required"] != "changed"
    assert list(two.fields["kind"].choices) == [("x", "X")]
    assert one.fields["text"] is not two.fields["text"] and one.fields["text"].widget is not two.fields["text"].widget
    assert _Form({"text": "hello", "kind": "x"}).is_valid()
