from django.apps import AppConfig
from django.db.models.signals import post_save


class ReferralsConfig(AppConfig):
    name = "haki.referrals"
    label = "referrals"

    def ready(self) -> None:
        from haki.core import words
        from haki.core.models import Organisation
        from haki.messaging.texts import DEFAULTS
        from haki.referrals import sms
        from haki.referrals.models import Service, ServiceKind
        from haki.referrals.texts import TEXTS

        DEFAULTS.update(TEXTS)
        sms.register()
        words.register(ServiceKind.own_words)
        words.register(Service.codes_held)

        def seed_kinds(sender, instance: Organisation, created: bool, **kwargs) -> None:
            if created:
                ServiceKind.seed(instance)

        post_save.connect(
            seed_kinds, sender=Organisation, weak=False, dispatch_uid="seed_service_kinds"
        )
