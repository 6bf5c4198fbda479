from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "haki.simulator"
    label = "simulator"
