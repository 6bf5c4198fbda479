from django.apps import AppConfig
from django.db.models.signals import post_save


class ReferralsConfig(AppConfig):
    name = "haki.referrals"
    label = "referrals"

    def ready(self) -> None:
        from haki.core import words
        from haki.core.models import Organisation
        from haki.messaging.outbox import ALWAYS_SENT
        from haki.messaging.routing import settings_in
        from haki.messaging.texts import DEFAULTS
        from haki.referrals import sms
        from haki.referrals.models import Service, ServiceKind
        from haki.referrals.texts import TEXTS

        DEFAULTS.update(TEXTS)
        # What a member asked for reaches her even after STOP; ``send_slip`` sends an
        # opted-out member only the slips she asked for, and reminders never.
        ALWAYS_SENT.update({"referral.slip", "referral.services", "referral.no_service"})
        sms.register()
        words.register(ServiceKind.own_words)
        words.register(Service.codes_held)
        settings_in(ServiceKind, Service)

        def seed_kinds(sender, instance: Organisation, created: bool, **kwargs) -> None:
            if created:
                ServiceKind.seed(instance)

        post_save.connect(
            seed_kinds, sender=Organisation, weak=False, dispatch_uid="seed_service_kinds"
        )
