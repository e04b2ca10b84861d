from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "steward.policy"
    label = "policy"
