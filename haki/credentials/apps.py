from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "haki.credentials"
    label = "credentials"

    def ready(self) -> None:
        from haki.credentials import sms
        from haki.credentials.texts import TEXTS
        from haki.messaging.texts import DEFAULTS

        DEFAULTS.update(TEXTS)
        sms.register()
