"""The staff lifecycle pages (administrators: invite, roles, offboarding; failed deliveries), where a staff member
lands after signing in, and the end of second-factor setup (recovery codes saved)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.core import access, navigation
from steward.core.errors import DomainError
from steward.core.http import client_ip, staff_user
from steward.core.middleware import SESSION_RECOVERY_CODES_UNSAVED
from steward.core.models import ApiToken
from steward.core.reauth import sensitive_action, sensitive_when
from steward.core.roles import Role

from . import services, tokens
from .forms import ApiTokenForm, InviteForm, OffboardForm, ProfileForm, RolesForm
from .permissions import StaffAction


def _posting(request: HttpRequest) -> bool:
    return request.method == "POST"


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """/staff/: the first page the staff member's roles open (an administrator has no queue)."""
    return redirect(navigation.landing_url(request.user))


@login_required
@require_POST
def recovery_codes_saved(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    if request.session.pop(SESSION_RECOVERY_CODES_UNSAVED, None) == str(user.pk):
        messages.success(request, _("Your second factor is set up and you are signed in."))
    return redirect(navigation.landing_url(user))


def _member(user_id: int) -> User:
    return get_object_or_404(User, pk=user_id, is_staff=True)


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    access.require(request.user, StaffAction.MANAGE_STAFF)
    return render(request, "staff/people.html", {"members": services.staff_members(),
                                                 "assignable": list(services.assignable_staff())})


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_when(_posting)
def invite(request: HttpRequest) -> HttpResponse:
    access.require(request.user, StaffAction.MANAGE_STAFF)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.invite_staff(by=staff_user(request), username=data["username"], email=data["email"],
                                           first_name=data["first_name"], last_name=data["last_name"],
                                           roles=data["roles"], ip=client_ip(request))
        except services.StaffError as error:
            form.add_error(error.field, str(error.message))
        else:
            messages.success(request, _("%(name)s was invited: an email to %(email)s lets them choose a password. "
                                        "They set up a second factor when they first sign in.") % {
                "name": member.get_username(), "email": member.email})
            return redirect("staff:people")
    return render(request, "staff/invite.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_when(_posting)
def roles(request: HttpRequest, user_id: int) -> HttpResponse:
    access.require(request.user, StaffAction.MANAGE_STAFF)
    member = _member(user_id)
    form = RolesForm(request.POST or None, initial={"roles": services.roles_held(member)})
    if request.method == "POST" and form.is_valid():
        try:
            before, after = services.change_roles(member, by=staff_user(request), roles=form.cleaned_data["roles"],
                                                  ip=client_ip(request))
        except services.StaffError as error:
            form.add_error(error.field, str(error.message))
        else:
            messages.success(request, _("Roles of %(name)s changed from “%(before)s” to “%(after)s”.") % {
                "name": member.get_username(), "before": _labels(before), "after": _labels(after)})
            return redirect("staff:people")
    return render(request, "staff/roles.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    """A staff member's job title, team, manager and ways of working with contributors (read by
    training's role rules, which look again as soon as this is saved)."""
    access.require(request.user, StaffAction.MANAGE_STAFF)
    member = _member(user_id)
    saved = services.profile_of(member)
    form = ProfileForm(request.POST or None, member=member,
                       initial={name: getattr(saved, name) for name in services.PROFILE_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(member, by=staff_user(request), ip=client_ip(request), **form.cleaned_data)
        except services.StaffError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("The profile of %(name)s is saved.") % {"name": member.get_username()})
            return redirect("staff:people")
    return render(request, "staff/profile.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)


def _labels(roles: list[str]) -> str:
    return ", ".join(str(Role(role).label) for role in roles) or _("no role")


@login_required
@sensitive_action
@require_POST
def offboard(request: HttpRequest, user_id: int) -> HttpResponse:
    access.require(request.user, StaffAction.MANAGE_STAFF)
    leaving = _member(user_id)
    form = OffboardForm(request.POST, leaving=leaving.pk)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("staff:people")
    try:
        handed_on = services.offboard_staff(leaving, by=staff_user(request), reassign_to=form.cleaned_data["reassign_to"],
                                            ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(name)s was offboarded; %(count)s open case(s) handed on.") % {
            "name": leaving.get_username(), "count": len(handed_on["cases"])})
    return redirect("staff:people")


@login_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    """/staff/deliveries/: outbox messages that failed or are stuck, with retry."""
    rows = services.stuck_deliveries(by=staff_user(request))
    return render(request, "staff/deliveries.html", {"rows": rows})


@login_required
@require_GET
def api_tokens(request: HttpRequest) -> HttpResponse:
    access.require(request.user, StaffAction.MANAGE_API_TOKENS)
    return render(request, "staff/api_tokens.html", {"rows": tokens.api_tokens(by=staff_user(request))})


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_when(_posting)
def api_token_new(request: HttpRequest) -> HttpResponse:
    access.require(request.user, StaffAction.MANAGE_API_TOKENS)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, secret = tokens.create_api_token(by=staff_user(request), name=data["name"], scopes=data["scopes"],
                                                    owner=data["owner"], expires_at=form.expires_at(), ip=client_ip(request))
        except services.StaffError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            # The secret goes into this response only (never stored, logged, put in a URL or a session);
            # a token acting for someone else is collected by them.
            return render(request, "staff/api_token_created.html", {"token": token, "secret": secret})
    return render(request, "staff/api_token_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def retry_delivery(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        services.retry_delivery(message_id, by=staff_user(request), ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The delivery will be tried again in a moment."))
    return redirect("staff:deliveries")


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    access.require(request.user, StaffAction.MANAGE_API_TOKENS)
    token = get_object_or_404(ApiToken, pk=token_id)
    try:
        tokens.revoke_api_token(token, by=staff_user(request), ip=client_ip(request))
    except services.StaffError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The token “%(name)s” is revoked: it stops working at once.") % {"name": token.name})
    return redirect("staff:api_tokens")


@login_required
@require_GET
def my_api_tokens(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/my_api_tokens.html", {"rows": tokens.my_api_tokens(by=staff_user(request))})


@login_required
@sensitive_action
@require_POST
def api_token_collect(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token, secret = tokens.collect_api_token(token_id, by=staff_user(request), ip=client_ip(request))
    except services.StaffError as error:
        messages.error(request, str(error.message))
        return redirect("staff:my_api_tokens")
    return render(request, "staff/api_token_created.html", {"token": token, "secret": secret})
