from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def overwrite_deleted_rows(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite keeps a deleted row's bytes in the file's free pages unless told to
    overwrite them; Debian's build does by default, upstream's does not. Shredding an
    organisation deletes its wrapped keys, which must not linger in the file."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


class CoreConfig(AppConfig):
    name = "haki.core"
    label = "core"

    def ready(self) -> None:
        from haki.core import authenticators, checks, home, panels  # noqa: F401 - checks register

        connection_created.connect(overwrite_deleted_rows, dispatch_uid="sqlite_secure_delete")
        authenticators.install()
        home.register(panels.security_notices)
