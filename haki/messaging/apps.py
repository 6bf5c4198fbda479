from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "haki.messaging"
    label = "messaging"

    def ready(self) -> None:
        from haki.messaging import erasure, spool  # noqa: F401 - connects the erasure signal
        from haki.messaging.handlers import register_member_actions

        register_member_actions()
        spool.ensure_writable()
