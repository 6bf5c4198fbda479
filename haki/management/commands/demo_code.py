from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo user (local demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if not getattr(settings, "HAKI_DEMO_ALLOWED", False):
            raise CommandError("only available with the local demo settings")
        device = TOTPDevice.objects.filter(user__username=username, name="default").first()
        if device is None:
            raise CommandError(f"no demo authenticator for {username!r}; run `haki demo` first")
        self.stdout.write(
            f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        )
