"""Forms of the rollout page and the connector configuration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .connectors.base import Connector, Setting
from .services import NOTE_LIMIT


class DoneForm(forms.Form):
    # Required by the service (not here): an erased case's steps are marked done without one.
    note = forms.CharField(label=_("What you did or checked"), max_length=NOTE_LIMIT, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


MODERATORS = Setting("moderators", _("Moderators to tell"), kind="lines", required=False,
                     help=_("Email addresses, one a line: once access is revoked on this system, they are told "
                            "what to enforce and until when (never why)."))
SECRET_HELP = _("Leave empty to keep the stored one; it is never shown again.")


def _field(setting: Setting) -> forms.Field:
    common: dict[str, Any] = {"label": setting.label, "help_text": setting.help, "required": setting.required}
    if setting.kind == "secret":  # write-only: an empty field keeps what is stored
        help_text = format_lazy("{} {}", setting.help, SECRET_HELP) if setting.help else SECRET_HELP
        return forms.CharField(**{**common, "required": False, "help_text": help_text}, max_length=4000,
                               widget=forms.PasswordInput(render_value=False), strip=True)
    if setting.kind == "url":
        return forms.URLField(**common, assume_scheme="https", max_length=500)
    if setting.kind == "lines":
        return forms.CharField(**common, widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    if setting.kind == "choice":
        return forms.ChoiceField(**common, choices=setting.choices)
    if setting.kind == "flag":
        return forms.BooleanField(**{**common, "required": False})
    return forms.CharField(**common, max_length=500)


class ConnectorForm(forms.Form):
    """A connector's settings page, built from its `fields`; credentials are never rendered back."""

    connector: type[Connector]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for setting in self.connector.fields:
            self.fields[setting.name] = _field(setting)
        self.fields["moderators"] = _field(MODERATORS)
        self.fields["enabled"] = forms.BooleanField(label=_("Switched on"), required=False, initial=True)

    @classmethod
    def initial_from(cls, options: dict[str, Any], enabled: bool) -> dict[str, Any]:
        initial: dict[str, Any] = {"enabled": enabled}
        for setting in (*cls.connector.fields, MODERATORS):
            value = options.get(setting.name)
            if setting.kind == "secret" or value is None:
                continue
            initial[setting.name] = "\n".join(map(str, value)) if setting.kind == "lines" else value
        return initial

    def settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        for setting in (*self.connector.fields, MODERATORS):
            value = self.cleaned_data[setting.name]
            if setting.kind == "secret":
                continue
            if setting.kind == "lines":
                value = [line.strip() for line in value.splitlines() if line.strip()]
            settings[setting.name] = value
        return settings

    def credentials(self) -> dict[str, str]:
        return {setting.name: self.cleaned_data[setting.name] for setting in self.connector.fields
                if setting.kind == "secret"}


def connector_form(connector: type[Connector]) -> type[ConnectorForm]:
    return type(f"{connector.__name__}Form", (ConnectorForm,), {"connector": connector})
