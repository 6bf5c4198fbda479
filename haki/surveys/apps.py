from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "haki.surveys"
    label = "surveys"

    def ready(self) -> None:
        from haki.core import words
        from haki.messaging import keywords
        from haki.messaging.routing import settings_in
        from haki.messaging.texts import DEFAULTS
        from haki.surveys.models import InfoText
        from haki.surveys.sending import info_text, record_reply

        DEFAULTS["followup.responder"] = _("Please call {alias}{phone} about the {poll} question.")
        # Poll answers first: "1" or "yes" is an answer while a poll is open.
        keywords.register_fallback(record_reply)
        keywords.register_fallback(info_text)
        words.register(InfoText.keywords_held)
        settings_in(InfoText)
