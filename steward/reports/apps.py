from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "steward.reports"
    label = "reports"

    def ready(self) -> None:
        from steward.cases import providers
        from steward.cases.events import CasesMerged, ReportSplitOff
        from steward.core import events

        from . import notifications, permissions, services  # noqa: F401  (notifications registers its outbox handlers)
        from .for_cases import ReportsForCases

        permissions.register()
        providers.provide_reports(ReportsForCases())  # what cases may ask of their reports
        events.subscribe(CasesMerged, services.follow_merge)  # reports follow their case
        events.subscribe(ReportSplitOff, services.follow_split)
