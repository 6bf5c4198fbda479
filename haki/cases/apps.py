from django.apps import AppConfig
from django.db.models.signals import post_save


class CasesConfig(AppConfig):
    name = "haki.cases"
    label = "cases"

    def ready(self) -> None:
        from haki.cases.models import ViolationType
        from haki.core.models import Organisation

        def seed_taxonomy(sender, instance: Organisation, created: bool, **kwargs) -> None:
            if created:
                ViolationType.seed(instance)

        post_save.connect(
            seed_taxonomy, sender=Organisation, weak=False, dispatch_uid="seed_taxonomy"
        )
