"""STEWARD_STORAGE chooses where evidence lives; bad values stop Steward at start-up, naming the variable."""

from __future__ import annotations

import pytest

from .test_settings import run

pytestmark = pytest.mark.once  # settings and start-up in a fresh process: no database under test


def test_evidence_is_a_private_folder_of_media_root_by_default(tmp_path):
    code = ("from django.core.files.storage import storages; e, h = storages['evidence'], storages['held']; "
            "print(type(e).__name__, e.location == str(settings.MEDIA_ROOT / 'evidence'), "
            "h.location == str(settings.MEDIA_ROOT / 'held'), oct(e.file_permissions_mode), oct(e.directory_permissions_mode))")
    result = run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["PrivateFileSystemStorage", "True", "True", "0o600", "0o700"]


def test_s3_takes_its_settings_from_the_environment(tmp_path):
    code = ("from django.core.files.storage import storages; e, h = storages['evidence'], storages['held']; "
            "print(type(e).__name__, e.bucket_name, e.endpoint_url, e.region_name, e.addressing_style, e.location, h.location, "
            "e.access_key, e.client_config.s3['payload_signing_enabled'])")
    result = run(code, tmp_path, STEWARD_STORAGE="s3", STEWARD_S3_BUCKET="conduct-evidence",
                 STEWARD_S3_ENDPOINT_URL="https://minio.internal:9000", STEWARD_S3_REGION="eu-west-1",
                 STEWARD_S3_ADDRESSING_STYLE="path", STEWARD_S3_PREFIX="/steward/", STEWARD_S3_ACCESS_KEY_ID="AKIDEXAMPLE",
                 STEWARD_S3_SECRET_ACCESS_KEY="not-a-real-secret")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["StreamingS3Storage", "conduct-evidence", "https://minio.internal:9000", "eu-west-1",
                                     "path", "steward/evidence", "steward/held", "AKIDEXAMPLE", "False"]


@pytest.mark.parametrize(("env", "message"), [
    ({"STEWARD_STORAGE": "s3"}, "STEWARD_S3_BUCKET must be set when STEWARD_STORAGE=s3"),
    ({"STEWARD_STORAGE": "s3", "STEWARD_S3_BUCKET": "b", "STEWARD_S3_ADDRESSING_STYLE": "sideways"},
     "STEWARD_S3_ADDRESSING_STYLE must be auto, path or virtual"),
    ({"STEWARD_STORAGE": "ftp"}, "STEWARD_STORAGE must be filesystem or s3, not 'ftp'"),
])
def test_a_bad_storage_setting_stops_steward_naming_it(tmp_path, env, message):
    result = run("print('started')", tmp_path, **env)
    assert result.returncode != 0 and "started" not in result.stdout
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert message in result.stderr
