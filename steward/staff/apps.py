from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "steward.staff"
    label = "staff"
    verbose_name = "Steward staff"

    def ready(self) -> None:
        from . import permissions

        permissions.register()
