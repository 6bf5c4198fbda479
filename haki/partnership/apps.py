from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "haki.partnership"
    label = "partnership"
    verbose_name = "Police partnership"
