from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "steward.retention"
    label = "retention"
