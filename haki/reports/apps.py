from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "haki.reports"
    label = "reports"
