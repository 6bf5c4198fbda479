import sqlite3

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Incoming texts are stored with INSERT ... ON CONFLICT DO NOTHING RETURNING.
SQLITE_NEEDED = (3, 35)


def require_sqlite_returning(engines: set[str], version: tuple[int, ...]) -> None:
    if "django.db.backends.sqlite3" in engines and version < SQLITE_NEEDED:
        raise ImproperlyConfigured(
            f"SQLite {'.'.join(map(str, version))} is too old: Haki needs SQLite "
            f"{'.'.join(map(str, SQLITE_NEEDED))} or later (Debian 12 has 3.40), or "
            "PostgreSQL (HAKI_DATABASE_URL)."
        )


class MessagingConfig(AppConfig):
    name = "haki.messaging"
    label = "messaging"

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from haki.core import home, words
        from haki.messaging import checks, directory, erasure, spool  # noqa: F401 - signals, checks
        from haki.messaging.handlers import register_member_actions
        from haki.messaging.keywords import command_words_and_keywords
        from haki.messaging.models import Channel, Keyword, MessageTemplate
        from haki.messaging.panels import failing_channels
        from haki.messaging.routing import settings_in

        def channel_changed(**kwargs: object) -> None:
            transaction.on_commit(directory.refresh_quietly)

        post_save.connect(channel_changed, sender=Channel, weak=False)
        post_delete.connect(channel_changed, sender=Channel, weak=False)
        settings_in(Keyword, MessageTemplate)

        register_member_actions()
        words.register(command_words_and_keywords)
        home.register(failing_channels)
        engines = {database["ENGINE"] for database in settings.DATABASES.values()}
        require_sqlite_returning(engines, sqlite3.sqlite_version_info)
        spool.ensure_writable()
