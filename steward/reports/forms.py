from __future__ import annotations

from datetime import datetime, time
from functools import lru_cache
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from steward.cases import services as cases
from steward.cases.models import Space
from steward.core.crypto import new_token
from steward.core.forms import ChoiceField, MultipleChoiceField, MultipleFileField, quick_copied_fields
from steward.policy import services as policy
from steward.registry.models import System

from . import held, uploads
from .models import Report
from .services import Account, Intake

ACCOUNT_ROWS = 3
YES_NO = [("no", _("No")), ("yes", _("Yes"))]


def evidence_help() -> str:
    """What a file input says before anyone chooses a file: the types accepted and the limits,
    taken from the rules the upload check applies (uploads.ALLOWED and the evidence settings)."""
    return _evidence_help(get_language(), settings.STEWARD_EVIDENCE_MAX_FILES, settings.STEWARD_EVIDENCE_MAX_BYTES)


@lru_cache(maxsize=64)
def _evidence_help(language: str | None, count: int, max_bytes: int) -> str:
    # Built once per language and limits, not on every form: every report form and reply form shows it.
    # Named as the reporter knows them (HEIC photos are stored as JPEG, but are sent as HEIC), each once.
    shown = {"image/webp": "WebP", "image/heic": "HEIC", "image/heif": "HEIF"}
    images = list(dict.fromkeys(shown.get(kind) or uploads.IMAGE_FORMATS.get(kind) or kind.split("/", 1)[1].upper()
                                for kind in uploads.ALLOWED if kind.startswith("image/")))
    text = sorted(uploads.ALLOWED.get("text/plain", set()))
    types = _("Accepted: images (%(images)s), PDF and plain text (%(text)s).") % {
        "images": ", ".join(images), "text": ", ".join(text)}
    limits = ngettext("One file, of at most %(size)s.", "Up to %(count)s files, each at most %(size)s.", count) % {
        "count": count, "size": filesizeformat(max_bytes)}
    return " ".join([str(types), limits, str(_("Information such as the location is removed from images."))])


def check_files(files: list[Any] | None, *, already: int = 0) -> tuple[list[uploads.CleanFile], list[str]]:
    """Each file checked on its own: the ones that pass, and a message for each that does not."""
    files = files or []
    limit = settings.STEWARD_EVIDENCE_MAX_FILES
    if len(files) + already > limit:
        if already:
            message = ngettext("Send at most %(count)s files in all: %(held)s is already attached.",
                               "Send at most %(count)s files in all: %(held)s are already attached.", already)
        else:
            message = str(_("Send at most %(count)s files."))
        return [], [message % {"count": limit, "held": already}]
    accepted, errors = [], []
    for upload in files:
        try:
            accepted.append(uploads.check(upload))
        except ValidationError as error:
            errors.extend(error.messages)
    return accepted, errors


@quick_copied_fields
class ReportForm(forms.Form):
    narrative = forms.CharField(
        label=_("What happened?"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("In your own words and in any language. Include what was said or done, as far as you remember."),
        error_messages={"required": _("Please tell us what happened.")},
    )
    categories = MultipleChoiceField(
        label=_("What kind of behaviour was it? (optional)"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose any that fit, or none. The code of conduct describes each one."),
        error_messages={"invalid_choice": _("“%(value)s” is not one of the choices. Choose from the list.")},
    )
    occurred_date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-03-14.")},
    )
    occurred_time = forms.TimeField(
        label=_("Time (optional)"), required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": _("Enter the time as HH:MM, for example 18:30.")},
    )
    occurred_approx = forms.CharField(
        label=_("Or, if you are not sure, roughly when"), required=False, max_length=200,
        help_text=_("For example: “during the March community call” or “over the last few weeks”."),
    )
    # The active spaces, from the cache (`cases.services.space_choices`): listing and checking them asks nothing.
    space = ChoiceField(
        label=_("Where did it happen?"), required=False,
        error_messages={"invalid_choice": _("That space is not one of the choices. Choose one from the list.")},
    )
    location = forms.CharField(
        label=_("Link or place"), required=False, max_length=1000,
        help_text=_("A link to the message, issue or thread, or the name of the place or event."),
    )
    involved = forms.CharField(
        label=_("Who was involved?"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Names, nicknames or descriptions of the people involved."),
    )
    ongoing = ChoiceField(label=_("Is it still happening?"), choices=Report.Ongoing.choices,
                                initial=Report.Ongoing.UNKNOWN, widget=forms.RadioSelect)
    # Nothing is chosen in advance: an unanswered question is recorded as "not said", never as "no".
    danger_now = ChoiceField(label=_("Is anyone in danger right now?"), choices=YES_NO, required=False,
                                   widget=forms.RadioSelect)
    reporter_role = ChoiceField(label=_("How were you involved?"), choices=Report.ReporterRole.choices,
                                      required=False, widget=forms.RadioSelect)
    witnesses = forms.CharField(label=_("Did anyone else see or hear it?"), required=False, max_length=5000,
                                widget=forms.Textarea(attrs={"rows": 2}))
    evidence = MultipleFileField(label=_("Screenshots or other files (optional)"), required=False)
    wishes = forms.CharField(
        label=_("What would you like to happen? (optional)"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("You do not have to answer. We will take your wishes into account."),
    )
    consent_contact_reported = ChoiceField(
        label=_("May we contact the person you reported about this?"), choices=YES_NO, initial="no",
        widget=forms.RadioSelect)
    consent_name_to_reported = ChoiceField(
        label=_("May we tell them that you made this report?"), choices=YES_NO, initial="no", widget=forms.RadioSelect)
    anonymous = ChoiceField(
        label=_("How can we reach you?"), initial="anonymous", widget=forms.RadioSelect,
        choices=[("anonymous", _("Stay anonymous: I will check back with my receipt code")),
                 ("contact", _("Contact me at the email address below"))])
    contact_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=200)
    contact_email = forms.EmailField(label=_("Your email"), required=False,
                                     error_messages={"invalid": _("Enter a valid email address, like name@example.org.")})
    preferred_language = ChoiceField(label=_("Language for our replies"), choices=settings.LANGUAGES)
    submission = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(
        held.TOKEN_RE, _("This form is not one we handed out. Reload the page and fill it in again."))])

    def __init__(self, *args: Any, kept: list[held.HeldFile] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Files kept from an earlier send of this same form: listed on it, sent with the report.
        self.held = kept or []
        self.accepted_files: list[uploads.CleanFile] = []
        self.fields["evidence"].help_text = evidence_help()
        self.space_choices = [("", _("Choose a space (or leave empty)")), *cases.space_choices()]
        self.category_choices = policy.current_categories(policy.locale_for(get_language()))
        cast(ChoiceField, self.fields["space"]).choices = self.space_choices
        cast(MultipleChoiceField, self.fields["categories"]).choices = self.category_choices
        self.fields["preferred_language"].initial = get_language()
        self.fields["submission"].initial = new_token()

    @property
    def blank_variant(self) -> str:
        """What a blank form's questions vary with besides the language: the choices offered
        (spaces and categories, from their caches) and the evidence limits. The form's token is not
        among its questions (`report_form.html` renders it apart)."""
        offered = [*self.space_choices, *self.category_choices]
        return "\x1f".join([f"{value}\x1e{label}" for value, label in offered] + [str(self.fields["evidence"].help_text)])

    def account_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"account_system_{i}"], self[f"account_handle_{i}"]) for i in range(1, ACCOUNT_ROWS + 1)]

    def clean_space(self) -> Space | None:
        chosen = self.cleaned_data.get("space")
        space = cases.active_space(chosen) if chosen else None
        if chosen and space is None:  # made inactive since the choices were listed
            raise ValidationError(self.fields["space"].error_messages["invalid_choice"], code="invalid_choice")
        return space

    def clean_occurred_date(self) -> Any:
        value = self.cleaned_data.get("occurred_date")
        if value and value > timezone.localdate():
            raise ValidationError(_("The date is in the future. Enter the day it happened."))
        return value

    def clean_evidence(self) -> list[uploads.CleanFile]:
        # The files that pass are kept even when another one (or another question) needs correcting.
        self.accepted_files, errors = check_files(self.cleaned_data.get("evidence"), already=len(self.held))
        if errors:
            raise ValidationError(errors)
        return self.accepted_files

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("anonymous") == "contact" and not data.get("contact_email") and "contact_email" not in self.errors:
            self.add_error("contact_email", _("Give an email address, or choose to stay anonymous."))
        if data.get("occurred_time") and not data.get("occurred_date") and "occurred_date" not in self.errors:
            # Without a date the time would be silently dropped.
            self.add_error("occurred_date", _("Give the date as well as the time, or clear the time."))
        for index in range(1, ACCOUNT_ROWS + 1):
            system, handle = data.get(f"account_system_{index}"), (data.get(f"account_handle_{index}") or "").strip()
            if handle and not system:
                self.add_error(f"account_system_{index}", _("Choose the system this account is on."))
            if system and not handle:
                self.add_error(f"account_handle_{index}", _("Give the account name, or clear the system."))
        return data

    def intake(self) -> Intake:
        data = self.cleaned_data
        occurred_at = None
        if data.get("occurred_date"):
            occurred_at = timezone.make_aware(datetime.combine(data["occurred_date"], data.get("occurred_time") or time.min))
        accounts = [
            Account(system=data[f"account_system_{i}"], handle=data[f"account_handle_{i}"].strip())
            for i in range(1, ACCOUNT_ROWS + 1) if data.get(f"account_system_{i}") and data.get(f"account_handle_{i}", "").strip()
        ]
        return Intake(
            narrative=data["narrative"], reporter_role=data.get("reporter_role") or "", submission_token=data["submission"],
            occurred_at=occurred_at, occurred_approx=data.get("occurred_approx", ""), space=data.get("space"),
            location=data.get("location", ""), involved=data.get("involved", ""), accounts=accounts,
            ongoing=data["ongoing"], danger_now={"yes": True, "no": False}.get(data.get("danger_now") or ""),
            witnesses=data.get("witnesses", ""),
            wishes=data.get("wishes", ""), consent_contact_reported=data["consent_contact_reported"] == "yes",
            consent_name_to_reported=data["consent_name_to_reported"] == "yes",
            anonymous=data["anonymous"] == "anonymous", contact_name=data.get("contact_name", ""),
            contact_email=data.get("contact_email", ""), preferred_language=data["preferred_language"],
            files=data.get("evidence") or [],
            categories=list(data.get("categories") or []), held_files=len(self.held),
        )


# The account rows, declared once after the other questions (as if written in the class body).
for _index in range(1, ACCOUNT_ROWS + 1):
    for _name, _field in ((f"account_system_{_index}", ChoiceField(
            label=_("System"), required=False, choices=[("", "—"), *System.choices])),
            (f"account_handle_{_index}", forms.CharField(label=_("Account name"), required=False, max_length=200))):
        ReportForm.declared_fields[_name] = ReportForm.base_fields[_name] = _field
del _index, _name, _field


@quick_copied_fields
class StaffReportForm(ReportForm):
    """A report taken down by staff on someone's behalf."""

    channel = ChoiceField(
        label=_("How was the report received?"),
        choices=[c for c in Report.Channel.choices if c[0] != Report.Channel.WEB],
    )
    field_order = ["channel"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["narrative"].label = _("What happened, as the reporter told it")
        self.fields["reporter_role"].label = _("How was the reporter involved?")

    def intake(self) -> Intake:
        intake = super().intake()
        intake.channel = self.cleaned_data["channel"]
        return intake


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Receipt code"), max_length=64,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                         "autocapitalize": "characters"}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), required=False, max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 5}))
    # A declared field leaves the class when the form is made, so `form.files` stays the uploaded files;
    # django-stubs cannot see that and takes the field for BaseForm.files.
    files = MultipleFileField(label=_("Add files (optional)"), required=False)  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = evidence_help()

    def clean_files(self) -> list[uploads.CleanFile]:
        accepted, errors = check_files(self.cleaned_data.get("files"))
        if errors:
            raise ValidationError(errors)
        return accepted

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("body") or "").strip() and not data.get("files") and not self.errors:
            raise ValidationError(_("Write a message or choose a file to send."))
        return data


class StaffMessageForm(forms.Form):
    body = forms.CharField(label=_("Message to the reporter"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class AppealForm(forms.Form):
    """The reporter's appeal against the decision on their case (follow-up page)."""

    grounds = forms.CharField(label=_("Why you disagree with the decision"), max_length=10_000,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("Someone who took no part in the decision reads this and reviews it."))


class ProposalFeedbackForm(forms.Form):
    """The reporter's feedback on the outcome proposed before it is decided (follow-up page)."""

    AGREES = {"agree": True, "disagree": False, "": None}

    agrees = forms.ChoiceField(
        label=_("Do you agree with the proposed outcome?"), required=False, widget=forms.RadioSelect,
        choices=[("agree", _("I agree")), ("disagree", _("I disagree")), ("", _("I would rather not say"))])
    feedback = forms.CharField(label=_("Your feedback"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=_("The people deciding read it before they decide. It is recorded, but "
                                           "the decision is theirs: it does not wait for your feedback."))

    def agreement(self) -> bool | None:
        return self.AGREES.get(self.cleaned_data.get("agrees") or "")
