"""Images in lessons: uploads checked by content and stripped of metadata, shown only from Steward's
own URLs, to whoever may read the lesson, and copied into each new version."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from steward.core import markup
from steward.core.roles import Role
from steward.training import authoring, content
from steward.training.models import CourseVersion, Learner, LessonImage
from tests.conftest import login, make_staff

from .authoring_helpers import navigation_as_built
from .conftest import make_learner, publish_course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("navigation_as_built")]
__all__ = ["navigation_as_built"]


def picture(name: str = "diagram.png", *, size: tuple[int, int] = (40, 30), fmt: str = "PNG",
            **save: object) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format=fmt, **save)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture
def trainer() -> User:
    return make_staff("tess", Role.TRAINER)


@pytest.fixture
def draft(trainer: User) -> CourseVersion:
    return authoring.start_version(publish_course().course, by=trainer, major=False)


def upload(trainer: User, draft: CourseVersion, file: SimpleUploadedFile) -> str:
    response = login(trainer).post(f"/staff/training/versions/{draft.pk}/images/", {"file": file})
    return response.content.decode() if response.status_code == 400 else ""


@pytest.mark.parametrize(("file", "message"), [
    (SimpleUploadedFile("notes.png", b"just some text, not a picture"), "is not a PNG, JPEG, WebP or GIF image"),
    (SimpleUploadedFile("huge.png", b"\x89PNG" + b"\0" * (3 * 1024 * 1024)), "is larger than 2.0"),
    (picture("wide.png", size=(5000, 10)), "is 5000 × 10 pixels; images may be at most 4000 pixels on each side"),
])
def test_refused_uploads_say_why_and_store_nothing(trainer: User, draft: CourseVersion, settings,
                                                   file: SimpleUploadedFile, message: str) -> None:
    page = upload(trainer, draft, file)
    assert message in page.replace("&#x27;", "'") and file.name in page
    assert not LessonImage.objects.exists()
    assert not (settings.MEDIA_ROOT / "training").exists() or not any((settings.MEDIA_ROOT / "training").rglob("*.*"))


def test_an_upload_is_reencoded_without_its_exif(trainer: User, draft: CourseVersion) -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 0.0)}  # GPS latitude
    photo = picture("photo.jpg", fmt="JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in photo.read() and Image.open(photo).getexif().get_ifd(0x8825)
    photo.seek(0)
    assert upload(trainer, draft, photo) == ""
    image = LessonImage.objects.get()
    assert (image.name, image.content_type, image.width, image.height) == ("photo.jpg", "image/jpeg", 40, 30)
    with image.file.open("rb") as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    assert not Image.open(io.BytesIO(data)).getexif()
    assert "![alt text](image:photo.jpg)" in login(trainer).get(f"/staff/training/versions/{draft.pk}/").content.decode()


def test_a_lesson_may_only_name_images_the_version_has(trainer: User, draft: CourseVersion) -> None:
    lesson = draft.lessons.first()
    with pytest.raises(authoring.AuthoringError, match=r"no image named “map\.png”"):
        authoring.update_lesson(lesson, by=trainer, title="Listen", body="![The map](image:map.png)")
    assert content.markdown_problems("![The map](image:map.png)", set())[0].startswith("There is no image named “map.png”")
    authoring.upload_image(draft, picture("map.png"), by=trainer)
    authoring.update_lesson(lesson, by=trainer, title="Listen", body="![The map](image:map.png)")


def test_only_steward_image_urls_survive_rendering() -> None:
    html = markup.render("![ok](image:a.png) ![web](https://evil.example/x.png) ![data](data:image/png;base64,AAAA) "
                         "![nope](image:missing.png) <img src=\"javascript:alert(1)\">",
                         images={"a.png": "/learn/images/7/"})
    assert html.count("<img") == 1 and '<img alt="ok" src="/learn/images/7/">' in html
    assert "evil" not in html and "data:" not in html and "javascript" not in html
    assert "<img" not in markup.render("![ok](image:a.png)")  # guidelines: no images at all


def test_a_learner_sees_the_lesson_image_and_strangers_do_not(trainer: User, draft: CourseVersion) -> None:
    image = authoring.upload_image(draft, picture("map.png"), by=trainer)
    lesson = draft.lessons.get(key="listen")
    authoring.update_lesson(lesson, by=trainer, title="Listen", body="Look: ![The map](image:map.png)")
    url = f"/learn/images/{image.pk}/"
    assert login(trainer).get(url).status_code == 200  # the author, while it is a draft
    sam = make_learner("sam", kind=Learner.Kind.STAFF)
    learner = Client()
    learner.force_login(sam.user)
    assert learner.get(url).status_code == 404  # a draft's image: not for learners yet
    authoring.publish_version(draft, by=trainer)
    page = learner.get(f"/learn/lessons/{lesson.pk}/").content.decode()
    assert f'<img alt="The map" src="{url}">' in page
    response = learner.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and "private" in response["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (40, 30)
    assert Client().get(url).status_code == 404  # anonymous
    contributor = Client()
    contributor.force_login(make_learner("ada").user)  # the course is for staff
    assert contributor.get(url).status_code == 404


def test_a_new_version_keeps_its_own_copies_of_the_images(trainer: User, draft: CourseVersion) -> None:
    image = authoring.upload_image(draft, picture("map.png"), by=trainer)
    authoring.publish_version(draft, by=trainer)
    following = authoring.start_version(draft.course, by=trainer, major=False)
    copy = following.images.get()
    assert copy.name == "map.png" and copy.pk != image.pk and copy.file.name != image.file.name
    authoring.delete_image(copy, by=trainer)
    assert draft.images.get().file.storage.exists(image.file.name)  # the published version's file stays
    with pytest.raises(authoring.AuthoringError, match="is published"):
        authoring.delete_image(image, by=trainer)


def test_only_authors_upload(draft: CourseVersion) -> None:
    other = make_staff("olga")
    response = login(other).post(f"/staff/training/versions/{draft.pk}/images/", {"file": picture()})
    assert response.status_code in {403, 404} and not LessonImage.objects.exists()
