from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The invented organisation `make run` loads (`manage.py seed_demo`): the top floor, above every app."""

    name = "steward.demo"
    label = "demo"
