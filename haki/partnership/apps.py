from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "haki.partnership"
    label = "partnership"
    verbose_name = "Police partnership"

    def ready(self) -> None:
        from haki.core import home
        from haki.messaging.texts import DEFAULTS
        from haki.partnership.panels import overdue_actions
        from haki.partnership.texts import TEXTS

        DEFAULTS.update(TEXTS)
        home.register(overdue_actions)
