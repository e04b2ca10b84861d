"""The decision message templates, for whoever may edit the ladder: every kind × audience ×
language with its state, and one template edited with a preview filled with sample values (a
plain form post, no JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from steward.core import access
from steward.core.http import client_ip, staff_user

from . import decision_messages
from .message_forms import MessageTemplateForm
from .models import Audience, MessageTemplate
from .permissions import DecisionAction

PREVIEW = "preview"


@login_required
@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    rows = decision_messages.overview(by=staff_user(request))
    return render(request, "decisions/message_templates.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def edit_template(request: HttpRequest, template_id: int) -> HttpResponse:
    access.require(request.user, DecisionAction.EDIT_LADDER)
    by = staff_user(request)
    template = get_object_or_404(MessageTemplate, pk=template_id)
    english = MessageTemplate.objects.filter(kind=template.kind, audience=template.audience,
                                             language=decision_messages.ENGLISH).first()
    form = MessageTemplateForm(request.POST if request.method == "POST" else None,
                               initial={"subject": template.subject, "body": template.body})
    preview = None
    if request.method == "POST" and form.is_valid():
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        try:
            if request.POST.get("action") == PREVIEW:
                decision_messages.check_template(template.audience, subject, body)
                preview = decision_messages.preview_template(template.audience, template.language, subject,
                                                                     body)
            else:
                decision_messages.save_template(template, by=by, subject=subject, body=body, ip=client_ip(request))
                messages.success(request, _("Message template saved."))
                return redirect("decisions:message_template", template.pk)
        except decision_messages.MessageError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
    context = {"template": template, "english": english if template.language != decision_messages.ENGLISH else None,
               "form": form, "preview": preview, "kind_label": decision_messages.kind_label(template.kind),
               "audience_label": Audience(template.audience).label,
               "status": decision_messages.status_of(template, english),
               "placeholders": decision_messages.PLACEHOLDERS[Audience(template.audience)]}
    return render(request, "decisions/message_template.html", context, status=400 if form.errors else 200)
