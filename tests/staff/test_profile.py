"""Administrators edit a staff member's profile on the staff pages; bad input is named and
changes nothing; nobody else may."""

from __future__ import annotations

import pytest

from steward.core.access import Denied
from steward.core.models import AuditEntry
from steward.core.roles import Role
from steward.staff import services
from steward.staff.models import Profile
from tests.conftest import login, make_staff


@pytest.fixture(autouse=True)
def _navigation_of_pages_on_this_branch(monkeypatch):
    """The navigation names the training dashboard, which another part of the training app adds:
    until it is here, the staff pages' navigation leaves out the names that do not resolve."""
    from django.urls import NoReverseMatch, reverse

    from steward.core import navigation

    def resolves(name: str) -> bool:
        try:
            reverse(name)
        except NoReverseMatch:
            return False
        return True

    monkeypatch.setattr(navigation, "STAFF_PAGES", [page for page in navigation.STAFF_PAGES if resolves(page.url_name)])


@pytest.fixture
def member(db):
    return make_staff("cara", Role.TRIAGER)


def test_an_administrator_edits_the_profile(administrator, member):
    boss = make_staff("mona", Role.CASE_HANDLER)
    client = login(administrator)
    page = client.get(f"/staff/people/{member.pk}/profile/")
    assert page.status_code == 200 and b"Job title" in page.content
    assert f"/staff/people/{member.pk}/profile/".encode() in client.get("/staff/people/").content
    response = client.post(f"/staff/people/{member.pk}/profile/", {
        "job_title": "Community Manager", "team": "Community", "manager": boss.pk, "works_at_events": "on"})
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert (profile.job_title, profile.team, profile.manager, profile.works_at_events, profile.writes_for_social_media) == (
        "Community Manager", "Community", boss, True, False)
    entry = AuditEntry.objects.get(action="staff.profile_changed")
    assert entry.detail["fields"] == ["job_title", "manager", "team", "works_at_events"]
    # The form shows what is saved.
    assert b'value="Community Manager"' in client.get(f"/staff/people/{member.pk}/profile/").content


def test_saving_the_same_profile_again_records_nothing_new(administrator, member):
    services.update_profile(member, by=administrator, job_title="Editor")
    services.update_profile(member, by=administrator, job_title="Editor")
    assert AuditEntry.objects.filter(action="staff.profile_changed").count() == 1


def test_own_manager_and_inactive_manager_are_refused(administrator, member):
    with pytest.raises(services.StaffError) as refused:
        services.update_profile(member, by=administrator, manager=member)
    assert refused.value.field == "manager"
    gone = make_staff("olga")
    gone.is_active = False
    gone.save()
    with pytest.raises(services.StaffError):
        services.update_profile(member, by=administrator, manager=gone)
    response = login(administrator).post(f"/staff/people/{member.pk}/profile/", {"manager": "999999"})
    assert response.status_code == 400
    assert not Profile.objects.exists()


@pytest.mark.parametrize("role", [Role.TRAINER, Role.SCREENER, Role.TRIAGER])
def test_others_are_denied(member, role):
    other = make_staff("sid", role)
    client = login(other)
    assert client.get(f"/staff/people/{member.pk}/profile/").status_code == 403
    assert client.post(f"/staff/people/{member.pk}/profile/", {"job_title": "X"}).status_code == 403
    with pytest.raises(Denied):
        services.update_profile(member, by=other, job_title="X")
    assert not Profile.objects.exists()
