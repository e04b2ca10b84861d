from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "steward.staff"
    label = "staff"
    verbose_name = "Steward staff"
