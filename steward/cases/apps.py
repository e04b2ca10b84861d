from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "steward.cases"
    label = "cases"
