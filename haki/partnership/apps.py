from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "haki.partnership"
    label = "partnership"
    verbose_name = "Police partnership"

    def ready(self) -> None:
        from haki.members.signals import member_erased
        from haki.partnership.acts import count_police_referral, forget_co_trainer
        from haki.referrals.hooks import on_police_referral_completed

        on_police_referral_completed(count_police_referral)
        member_erased.connect(forget_co_trainer, dispatch_uid="partnership_co_trainer")
        from haki.core import home
        from haki.messaging.texts import DEFAULTS
        from haki.partnership.panels import overdue_actions
        from haki.partnership.texts import TEXTS

        DEFAULTS.update(TEXTS)
        home.register(overdue_actions)
