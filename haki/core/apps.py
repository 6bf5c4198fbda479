from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "haki.core"
    label = "core"

    def ready(self) -> None:
        from haki.core import authenticators, checks, home, panels  # noqa: F401 - checks register

        authenticators.install()
        home.register(panels.security_notices)
