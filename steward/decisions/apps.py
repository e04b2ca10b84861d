from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "steward.decisions"
    label = "decisions"
