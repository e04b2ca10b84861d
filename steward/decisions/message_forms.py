from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 18}))
