"""The demo installs the starter courses and has a training coordinator and learners to look at."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from steward.core.roles import Role
from steward.demo import logins as demo_logins
from steward.demo.stories import LEARNERS
from steward.staff.models import Profile
from steward.training.models import Course, CourseVersion, Learner


@pytest.fixture
def var_dir(settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    return tmp_path


@pytest.mark.django_db
def test_the_demo_installs_the_starter_courses_a_coordinator_and_learners(var_dir: Any) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert set(Course.objects.values_list("slug", flat=True)) == {"contributors", "staff"}
    coordinator = User.objects.get(username="tess")
    assert list(coordinator.groups.values_list("name", flat=True)) == [Role.TRAINER]
    assert "/staff/training/courses/" in out.getvalue()
    assert demo_logins.read(var_dir / "demo-logins.txt").passwords["tess"]
    assert Learner.objects.count() == len(LEARNERS)
    community_manager = Profile.objects.get(user__username="noor")
    assert "Community Manager" in community_manager.job_title and community_manager.manager.username == "sam"
    contributors = Learner.objects.filter(kind=Learner.Kind.CONTRIBUTOR)
    assert not contributors.filter(user__is_staff=True).exists() and not contributors.filter(user__groups__isnull=False).exists()
    assert contributors.exclude(leadership_role="").exists()
    assert {learner.language for learner in Learner.objects.all()} >= {"en", "de", "es", "ar"}

    call_command("seed_demo", stdout=StringIO())  # again: nothing new
    assert CourseVersion.objects.count() == 2 and Learner.objects.count() == len(LEARNERS)
