"""Only administrators edit guidelines. Everyone else is refused and nothing changes;
anonymous visitors are sent to sign in. The guidance for receiving a report is for all staff."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import login

from .conftest import draft, snapshot


@pytest.fixture
def staff_pages(administrator, v1):
    version = draft(administrator)
    return [
        ("get", "/staff/guidelines/", {}),
        ("post", "/staff/guidelines/", {"number": "3.0", "effective_date": "2099-01-01", "changelog": "x"}),
        ("get", f"/staff/guidelines/{version.pk}/", {}),
        ("post", f"/staff/guidelines/{version.pk}/", {"number": "2.0", "save": "1"}),
        ("get", f"/staff/guidelines/{version.pk}/publish/", {}),
        ("post", f"/staff/guidelines/{version.pk}/publish/", {"notify_subscribers": "on"}),
        ("post", f"/staff/guidelines/{version.pk}/delete/", {}),
        ("get", f"/staff/guidelines/{v1.pk}/translations/", {}),
        ("get", f"/staff/guidelines/{v1.pk}/translations/ja/", {}),
        ("post", f"/staff/guidelines/{v1.pk}/translations/ja/", {"title_scope": "範囲", "body_scope": "本文", "save": "1"}),
    ]


@pytest.mark.parametrize("who", ["triager", "case_handler", "no_role"])
def test_non_administrators_are_denied_and_nothing_changes(request, staff_pages, who):
    client = login(request.getfixturevalue(who))
    before = snapshot()
    for method, url, data in staff_pages:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(staff_pages):
    client = Client()
    before = snapshot()
    for method, url, data in [*staff_pages, ("get", "/staff/receiving-a-report/", {})]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/staff/login/")
    assert snapshot() == before


def test_administrator_may_open_every_page(administrator, staff_pages):
    client = login(administrator)
    for method, url, _data in staff_pages:
        if method == "get":
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["administrator", "triager", "case_handler", "no_role"])
def test_every_staff_member_may_read_the_receiving_guidance(request, v1, who):
    response = login(request.getfixturevalue(who)).get("/staff/receiving-a-report/")
    assert response.status_code == 200


def test_staff_navigation_links(administrator, triager, v1):
    admin_page = login(administrator).get("/staff/receiving-a-report/").content.decode()
    assert 'href="/staff/guidelines/"' in admin_page and 'href="/staff/receiving-a-report/"' in admin_page
    triager_page = login(triager).get("/staff/cases/").content.decode()
    assert 'href="/staff/receiving-a-report/"' in triager_page
    assert 'href="/staff/guidelines/"' not in triager_page
