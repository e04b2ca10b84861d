"""Hardening: security headers, a strict CSP the pages keep to, production settings that pass
`check --deploy`, no report content in logs, URLs or error pages, and rate limits on the
anonymous pages, counted in the shared cache."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.test import Client, RequestFactory
from django.views.debug import get_exception_reporter_class

from steward.core import ratelimit
from steward.core import views as error_views
from steward.core.roles import Role
from steward.reports import receipts
from steward.reports.models import Evidence, Report
from tests.conftest import deliver_outbox, file_received_reports, login, make_staff, missing
from tests.reports.helpers import report_data, text_upload

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CANARY = "CANARY-7f3a-narrative-she-threatened-me-at-the-sprint"
CANARY_FILE = "canary-evidence-4411.txt"
CODE_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){4}")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; connect-src 'self'")


# --- helpers ----------------------------------------------------------------------------------


class Page(HTMLParser):
    """What a strict CSP cares about in one HTML page, and every URL in it."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "cite"}
    DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data blocks; never executed

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.urls: list[str] = []
        self.links: list[str] = []
        self._inline_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline event handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name in self.URL_ATTRIBUTES and value:
                self.urls.append(value)
                if value.strip().lower().startswith(("javascript:", "data:text/html")):
                    self.problems.append(f"script URL in {name}= on <{tag}>")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "style":
            self.problems.append("inline <style> element")
        if tag == "script":
            src = values.get("src")
            if src is None and (values.get("type") or "").lower() not in self.DATA_SCRIPT_TYPES:
                self.problems.append("inline <script>")
            elif src is not None and not src.startswith("/static/"):
                self.problems.append(f"script from elsewhere: {src}")
        if tag == "link" and "stylesheet" in (values.get("rel") or "") and not (values.get("href") or "").startswith("/static/"):
            self.problems.append(f"stylesheet from elsewhere: {values.get('href')}")


def is_html(response: Any) -> bool:
    return "text/html" in response.get("Content-Type", "")


def internal(url: str) -> str | None:
    """A same-site path worth visiting, or None."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(("/static/", "/i18n/")) or "logout" in parts.path or "/staff/evidence/" in parts.path:
        return None
    if "lang=" in parts.query:  # the same page in another language; one is enough
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, starts: list[str], *, limit: int = 150) -> dict[str, tuple[int, str]]:
    """GET every page reachable by links from the start pages; return path -> (status, html)."""
    pages: dict[str, tuple[int, str]] = {}
    queue = list(starts)
    seen: set[str] = set()
    per_path: dict[str, int] = {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or per_path.get(path, 0) >= 3:
            continue
        seen.add(url)
        per_path[path] = per_path.get(path, 0) + 1
        response = client.get(url)
        if response.status_code in {301, 302, 303, 307, 308}:
            target = internal(response["Location"])
            if target:
                queue.append(target)
            continue
        if not is_html(response):
            continue
        html = response.content.decode()
        pages[url] = (response.status_code, html)
        queue.extend(target for target in map(internal, Page(html).links) if target)
    return pages


def submit_report(client: Client, narrative: str = CANARY, **extra: Any) -> Any:
    return client.post("/report/", {**report_data(client), "narrative": narrative, **extra})


def receipt_code(response: Any) -> str:
    match = CODE_RE.search(response.content.decode())
    assert match, "the confirmation page shows a receipt code"
    return match.group(0)


@pytest.fixture
def every_log_record() -> Iterator[list[logging.LogRecord]]:
    """Every record any logger emits, at every level, including loggers that do not propagate
    (django.server) and the ones Django configures itself (django.request, django.security)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    names = ["", "django", "django.request", "django.server", "django.security", "django.db.backends",
             "django.template", "django.tasks", "steward", "allauth", "pypdf", *logging.root.manager.loggerDict]
    loggers = {logging.getLogger(name) for name in names}
    saved = {logger: (logger.level, logger.disabled) for logger in loggers}
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    try:
        yield records
    finally:
        for logger, (level, disabled) in saved.items():
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.disabled = disabled


def rendered(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = []
    for record in records:
        lines.append(formatter.format(record))  # message, arguments and any traceback
        lines.append(repr(record.args))
        lines.extend(repr(value) for key, value in vars(record).items() if key not in {"request", "args", "msg"})
    return "\n".join(lines)


# --- security headers -------------------------------------------------------------------------


@pytest.fixture
def staff_client(triager: Any) -> Client:
    return login(triager)


def test_public_page_sends_the_strict_csp():
    response = Client().get("/report/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_staff_page_sends_the_strict_csp(staff_client):
    response = staff_client.get("/staff/cases/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CSP


@pytest.mark.parametrize("url", ["/report/", "/follow-up/", "/guidelines/", "/staff/cases/"])
def test_frames_sniffing_referrer_and_opener_are_locked_down(url, staff_client):
    response = staff_client.get(url)

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/", "/report/", "/follow-up/", "/guidelines/", "/no-such-page/", "/staff/cases/"])
def test_pages_are_never_cached(url, staff_client):
    response = staff_client.get(url)

    assert response["Cache-Control"] == "no-store"


def test_a_redirect_to_sign_in_is_not_cached_either():
    response = Client().get("/staff/cases/")

    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"


def test_report_confirmation_with_the_receipt_code_is_not_cached():
    response = submit_report(Client())

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == CSP


def test_evidence_download_is_an_attachment_in_a_sandbox(triager):
    client = Client()
    submit_report(client, evidence=[text_upload("page.txt", "<html><script>alert(1)</script></html>")])
    evidence = Evidence.objects.get()

    response = login(triager).get(f"/staff/evidence/{evidence.pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Cache-Control"] == "no-store"


# --- no inline script or style anywhere ---------------------------------------------------------


@pytest.fixture
def demo(settings: Any, tmp_path: Any) -> None:
    """The demo organisation: cases in every state, messages, notes, decisions, guidelines."""
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())


def assert_clean(pages: dict[str, tuple[int, str]]) -> None:
    problems = {url: Page(html).problems for url, (_, html) in pages.items()}
    assert {url: found for url, found in problems.items() if found} == {}


def reporter_pages() -> dict[str, tuple[int, str]]:
    """Every reporter page, including the ones only a form post reaches."""
    client = Client()
    pages = crawl(client, ["/", "/report/", "/follow-up/", "/guidelines/", "/how-to-report/", "/embed/",
                           "/guidelines/changes/", "/guidelines/subscribe/", "/no-such-page/"])

    def keep(name: str, response: Any) -> None:
        assert is_html(response), name
        pages[name] = (response.status_code, response.content.decode())

    keep("report form with errors", client.post("/report/", {**report_data(client), "narrative": ""}))
    received = submit_report(client, evidence=[text_upload()])
    keep("report received", received)
    code = receipt_code(received)
    keep("wrong code", client.post("/follow-up/", {"code": "0000000000000000000000000"}))
    client.post("/follow-up/", {"code": code})
    keep("follow-up case", client.get("/follow-up/case/"))
    keep("reply with errors", client.post("/follow-up/case/", {"body": ""}))
    keep("subscribe with errors", client.post("/guidelines/subscribe/", {"email": "not an address"}))
    keep("bad confirmation link", client.get("/guidelines/subscribe/confirm/not-a-token/"))
    return pages


def test_reporter_pages_have_no_inline_script_handlers_or_styles(demo):
    pages = reporter_pages()

    assert len(pages) >= 15
    assert_clean(pages)


def test_staff_pages_have_no_inline_script_handlers_or_styles(demo, triager, administrator):
    triage_client = login(triager)
    pages = crawl(triage_client, ["/staff/", "/staff/cases/", "/staff/reports/new/", "/staff/receiving-a-report/"])
    pages.update({f"admin {url}": page for url, page in crawl(login(administrator), ["/staff/guidelines/"], limit=60).items()})
    case_pages = [url for url in pages if re.fullmatch(r"/staff/cases/\d+/", url)]
    recorded = triage_client.post("/staff/reports/new/", {})
    pages["record form with errors"] = (recorded.status_code, recorded.content.decode())

    assert len(case_pages) >= 5, "the crawl reached case pages"
    assert any("/staff/guidelines/" in url for url in pages)
    assert_clean(pages)


def test_error_pages_have_no_inline_script_or_style(rf):
    request = rf.get("/")
    pages = {
        "400": error_views.bad_request(request),
        "403": error_views.permission_denied(request),
        "404": error_views.page_not_found(request),
        "500": error_views.server_error(request),
    }

    assert_clean({name: (response.status_code, response.content.decode()) for name, response in pages.items()})


# --- production settings ----------------------------------------------------------------------


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.once
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("STEWARD_", "DJANGO_", "DATABASE_", "REDIS_")) and key not in {"DEBUG", "SECRET_KEY"}}
    base["STEWARD_VAR_DIR"] = str(tmp_path)
    generated = run_manage("generate_keys", env=base)
    assert generated.returncode == 0, generated.stderr
    keys = dict(re.findall(r"^(STEWARD_KEK|STEWARD_INDEX_KEY|STEWARD_AUDIT_SIGNING_KEY)='(.+)'$", generated.stdout,
                           re.MULTILINE))
    assert set(keys) == {"STEWARD_KEK", "STEWARD_INDEX_KEY", "STEWARD_AUDIT_SIGNING_KEY"}
    production = {
        **base, **keys,
        "STEWARD_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex + "-Production-Only-Key",
        "ALLOWED_HOSTS": "conduct.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://conduct.example.org",
        "STEWARD_BASE_URL": "https://conduct.example.org",
    }

    result = run_manage("check", "--deploy", "--fail-level", "DEBUG", env=production)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


@pytest.mark.once
def test_production_settings_are_strict(tmp_path):
    """The values behind `check --deploy`, as a production process computes them."""
    code = ("from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_HTTPONLY)")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STEWARD_", "DATABASE_"))}
    env.update({"STEWARD_ENV": "production", "SECRET_KEY": "x" * 60, "STEWARD_KEK": "{}", "STEWARD_INDEX_KEY": "k",
                "STEWARD_AUDIT_SIGNING_KEY": "{}", "DJANGO_SETTINGS_MODULE": "steward.settings", "STEWARD_VAR_DIR": str(tmp_path)})

    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True", "True"]


# --- no report content in logs ----------------------------------------------------------------


def test_report_content_never_reaches_the_logs(every_log_record, capfd, triager, monkeypatch, settings):
    settings.DEBUG = False
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {}}}
    reporter = Client()

    # Filing, with an attachment and an address for emails (delivered from the outbox as the worker would).
    received = submit_report(reporter, evidence=[text_upload(CANARY_FILE, CANARY)], anonymous="contact",
                             contact_name="Canary Reporter", contact_email="canary.reporter@example.org")
    assert received.status_code == 200
    assert deliver_outbox() == 1
    code = receipt_code(received)
    # Following up: a wrong code, the right one, reading the thread and replying.
    reporter.post("/follow-up/", {"code": code.replace(code[0], "0" if code[0] != "0" else "1", 1)})
    assert reporter.post("/follow-up/", {"code": code}).status_code == 302
    assert reporter.get("/follow-up/case/").status_code == 200
    reporter.post("/follow-up/case/", {"body": f"reply {CANARY}"})
    # Staff read the case and download the evidence.
    staff = login(triager)
    report = Report.objects.get()
    assert CANARY in staff.get(f"/staff/cases/{report.case_id}/").content.decode()
    assert staff.get(f"/staff/evidence/{Evidence.objects.get().pk}/").status_code == 200
    # A server error in the middle of intake.
    monkeypatch.setattr(receipts, "issue", lambda: (_ for _ in ()).throw(RuntimeError("receipt service down")))
    failing = Client(raise_request_exception=False)
    crashed = submit_report(failing, narrative=f"second {CANARY}")
    assert crashed.status_code == 500

    logs = rendered(every_log_record)
    out, err = capfd.readouterr()
    assert "Internal Server Error: /report/" in logs, "the error was logged, without the content"
    assert "receipt service down" in logs
    for secret in (CANARY, code, code.replace("-", ""), "Canary Reporter", CANARY_FILE):
        assert secret not in logs
        assert secret not in out
        assert secret not in err
    assert CANARY not in crashed.content.decode()


def test_server_error_page_is_generic(monkeypatch, settings):
    settings.DEBUG = False
    monkeypatch.setattr(receipts, "issue", lambda: (_ for _ in ()).throw(RuntimeError("receipt service down")))
    client = Client(raise_request_exception=False)

    response = submit_report(client, narrative=CANARY)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    for leak in (CANARY, "receipt service down", "Traceback", "RuntimeError", "/report/"):
        assert leak not in html


def test_error_reports_for_administrators_carry_no_content(monkeypatch, settings):
    """Anything built on Django's exception reporter (admin emails, error trackers) sees no posted
    value and no local variable outside DEBUG."""
    settings.DEBUG = False
    caught: list[tuple[Any, BaseException]] = []

    def keep(sender: Any, request: Any, **kwargs: Any) -> None:
        caught.append((request, sys.exc_info()[1]))

    monkeypatch.setattr(receipts, "issue", lambda: (_ for _ in ()).throw(RuntimeError("receipt service down")))
    got_request_exception.connect(keep)
    try:
        client = Client(raise_request_exception=False)
        submit_report(client, narrative=CANARY, evidence=[text_upload(CANARY_FILE, CANARY)])
    finally:
        got_request_exception.disconnect(keep)
    request, error = caught[0]
    reporter = get_exception_reporter_class(request)(request, type(error), error, error.__traceback__)

    text = reporter.get_traceback_text()
    html = reporter.get_traceback_html()

    assert "receipt service down" in text
    for leak in (CANARY, CANARY_FILE):
        assert leak not in text
        assert leak not in html


# --- no content in URLs ------------------------------------------------------------------------


def test_receipt_code_and_narrative_never_appear_in_a_url(triager):
    reporter = Client()
    locations: list[str] = []
    urls: list[str] = []

    def visit(response: Any) -> Any:
        if "Location" in response:
            locations.append(response["Location"])
        for hop, _ in getattr(response, "redirect_chain", []):
            locations.append(hop)
        if is_html(response):
            urls.extend(Page(response.content.decode()).urls)
        return response

    received = visit(submit_report(reporter, evidence=[text_upload()]))
    code = receipt_code(received)
    visit(reporter.post("/follow-up/", {"code": code}, follow=True))
    visit(reporter.post("/follow-up/case/", {"body": f"more {CANARY}"}, follow=True))
    visit(reporter.post("/follow-up/leave/", follow=True))
    visit(reporter.post("/follow-up/", {"code": code}))
    staff = login(triager)
    case_id = Report.objects.get().case_id
    visit(staff.get(f"/staff/cases/{case_id}/"))
    visit(staff.post(f"/staff/reports/{Report.objects.get().pk}/message/", {"body": f"question {CANARY}"}))

    assert locations, "redirects were followed"
    assert len(urls) > 20
    for url in locations + urls:
        for secret in (code, code.replace("-", ""), CANARY, "CANARY"):
            assert secret not in url


def test_the_reporters_follow_up_session_ends_with_the_browser():
    code = receipt_code(submit_report(Client()))
    client = Client()

    response = client.post("/follow-up/", {"code": code})

    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.session.get_expire_at_browser_close()


# --- error pages are generic -------------------------------------------------------------------


@pytest.mark.parametrize(("handler", "status"), [
    (error_views.bad_request, 400),
    (error_views.permission_denied, 403),
    (error_views.page_not_found, 404),
])
def test_error_pages_do_not_echo_the_request(handler, status):
    request = RequestFactory().get(f"/report/{CANARY}/", {"q": CANARY}, HTTP_REFERER=f"https://example.org/{CANARY}")

    response = handler(request, Exception(f"detail {CANARY}"))

    assert response.status_code == status
    assert CANARY not in response.content.decode()


def test_a_missing_page_does_not_echo_its_path():
    response = Client().get(f"/follow-up/{CANARY}/", {"code": CANARY})

    assert response.status_code == 404
    assert CANARY not in response.content.decode()
    assert "Page not found" in response.content.decode()


def test_a_refused_case_page_is_the_generic_403(triager, file_report):
    report, _ = file_report(narrative=CANARY)
    outsider = make_staff("otto", Role.CASE_HANDLER, first_name="Otto")

    response = login(outsider).get(f"/staff/cases/{report.case_id}/")

    assert response.status_code in {403, 404}
    assert CANARY not in response.content.decode()


# --- rate limits on the anonymous pages --------------------------------------------------------


def test_report_submissions_are_rate_limited(settings):
    settings.STEWARD_INTAKE_RATE = (2, 3600)
    client = Client()

    statuses = [submit_report(client, narrative=f"Report number {n} about the sprint").status_code for n in range(3)]

    assert statuses == [200, 200, 429]
    assert len(file_received_reports()) == 2


def test_wrong_receipt_codes_are_rate_limited_and_then_even_the_right_one_waits(settings):
    settings.STEWARD_FOLLOWUP_RATE = (2, 900)
    code = receipt_code(submit_report(Client()))
    client = Client()

    wrong = [client.post("/follow-up/", {"code": "0000000000000000000000000"}).status_code for _ in range(2)]
    right = client.post("/follow-up/", {"code": code})

    assert wrong == [400, 400]
    assert right.status_code == 429


def test_guideline_subscriptions_are_rate_limited(settings):
    settings.STEWARD_INTAKE_RATE = (2, 3600)
    client = Client()

    statuses = [client.post("/guidelines/subscribe/", {"email": f"reader{n}@example.org", "language": "en"}).status_code
                for n in range(3)]

    assert statuses[:2] != [429, 429]
    assert statuses[2] == 429


def redis_location() -> str:
    """The Redis the shared-cache tests use (`make test` passes STEWARD_TEST_REDIS_URL); never the app's cache."""
    return os.environ.get("STEWARD_TEST_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def shared_redis() -> Any:
    import redis

    client = redis.Redis.from_url(redis_location(), socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        missing(f"Redis at {redis_location()}", f"{error}; start it (redis-server --daemonize yes) or set "
                                                "STEWARD_TEST_REDIS_URL; the shared-cache tests need it")
    return client


def test_rate_limits_are_shared_between_processes_through_redis(settings):
    redis_client = shared_redis()
    prefix = f"steward-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": redis_location(), "KEY_PREFIX": prefix}}
    request = RequestFactory().post("/report/", REMOTE_ADDR="203.0.113.9")
    from django.core.cache import cache, caches

    try:
        first_client = caches["default"]
        assert ratelimit.hit("shared", request, limit=2, window=3600)
        assert ratelimit.hit("shared", request, limit=2, window=3600)
        other: dict[str, Any] = {}

        def other_process() -> None:  # a separate thread gets its own Django cache client
            other["client"] = caches["default"]
            other["allowed"] = ratelimit.hit("shared", request, limit=2, window=3600)
            caches["default"].close()

        thread = threading.Thread(target=other_process)
        thread.start()
        thread.join()

        assert other["client"] is not first_client
        assert other["allowed"] is False, "the third attempt, counted by another client, is over the limit"
        assert ratelimit.is_limited("shared", request, limit=2, window=3600)
        stored = list(redis_client.scan_iter(f"{prefix}:*"))
        assert len(stored) == 1 and b"rl:shared:" in stored[0]
        assert b"203.0.113.9" not in stored[0], "only a keyed hash of the address is stored"
    finally:
        for key in redis_client.scan_iter(f"{prefix}:*"):
            redis_client.delete(key)
        cache.close()
