"""The learner sign-in pages (/learn/sign-in/, its code page, and the emailed link
/l/learn/<token>/): no account password, no JavaScript needed. See sign_in.py for the flow."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from steward.core import links, ratelimit
from steward.core.http import client_ip

from . import sign_in
from .assign_forms import CodeForm, SignInForm

SESSION_KEY = "steward_learner_sign_in"
BACKEND = "django.contrib.auth.backends.ModelBackend"
RATE_LIMITED = "training/sign_in/rate_limited.html"


def _signed_in(request: HttpRequest, user: User) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    login(request, user, backend=BACKEND)  # a new session key: nothing from before carries over
    return redirect(sign_in.LEARN_HOME)


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("training.sign_in", "STEWARD_TRAINING_SIGN_IN_RATE", counts=lambda response: True,
                       template=RATE_LIMITED)
def sign_in_page(request: HttpRequest) -> HttpResponse:
    """Ask for an email address; the answer is the same whether or not it is a learner's."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pending = sign_in.ask_for_code(form.cleaned_data["email"])
        request.session[SESSION_KEY] = pending.as_session()
        return redirect("learn:sign_in_code")
    return render(request, "training/sign_in/sign_in.html", {"form": form, "sso_next": _learner_next(request)},
                  status=400 if form.errors else 200)


def _learner_next(request: HttpRequest) -> str:
    """Where single sign-on returns to: the learner page that sent the visitor here, else /learn/."""
    wanted = request.GET.get("next", "")
    if wanted.startswith(sign_in.LEARN_HOME) and url_has_allowed_host_and_scheme(wanted, allowed_hosts=None):
        return wanted
    return sign_in.LEARN_HOME


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("training.sign_in_code", "STEWARD_TRAINING_SIGN_IN_RATE", counts=ratelimit.refused,
                       template=RATE_LIMITED)
def code_page(request: HttpRequest) -> HttpResponse:
    pending = sign_in.Pending.from_session(request.session.get(SESSION_KEY))
    if pending is None:
        return redirect("learn:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = sign_in.check_code(pending, form.cleaned_data["code"], ip=client_ip(request))
        except sign_in.WrongCode as wrong:
            request.session[SESSION_KEY] = wrong.pending.as_session()
            form.add_error("code", str(wrong.message))
        except sign_in.SignInRefused as refused:
            request.session.pop(SESSION_KEY, None)
            return render(request, "training/sign_in/refused.html", {"problem": refused.message}, status=400)
        else:
            return _signed_in(request, user)
    return render(request, "training/sign_in/code.html", {"form": form, "minutes": sign_in.link_max_age() // 60},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("training.sign_in_link", "STEWARD_TRAINING_SIGN_IN_RATE", counts=ratelimit.refused,
                       template=RATE_LIMITED)
def link_page(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: GET asks to confirm (a mail scanner opening it signs nobody in), POST signs in."""
    try:
        if request.method == "POST":
            return _signed_in(request, sign_in.use_link(token, ip=client_ip(request)))
        learner = sign_in.peek_link(token)
    except (links.LinkRefused, sign_in.SignInRefused) as refused:
        return render(request, "training/sign_in/refused.html", {"problem": refused.message}, status=400)
    return render(request, "training/sign_in/link.html", {"learner": learner})


sign_in_urlpatterns: list[URLPattern] = [
    path("sign-in/", sign_in_page, name="sign_in"),
    path("sign-in/code/", code_page, name="sign_in_code"),
]
# At the site's root, beside the other emailed links (/l/<purpose>/<token>/, core.links).
link_urlpatterns: list[URLPattern] = [
    path("l/learn/<str:token>/", link_page, name="learn_link"),
]
