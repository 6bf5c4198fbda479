from django.apps import AppConfig


class CrisisConfig(AppConfig):
    name = "haki.crisis"
    label = "crisis"

    def ready(self) -> None:
        from haki.core import home
        from haki.crisis import flash, sms
        from haki.crisis.panels import referred, response
        from haki.crisis.texts import TEXTS
        from haki.messaging.texts import DEFAULTS

        DEFAULTS.update(TEXTS)
        sms.register()
        flash.register()
        home.register(response)
        home.register(referred)
