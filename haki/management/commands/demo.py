from __future__ import annotations

import datetime
import random
from importlib import resources

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haki import provisioning
from haki.cases.exports import IMPORT_COLUMNS
from haki.cases.importer import import_cases
from haki.credentials.demo import load_demo_cards
from haki.partnership.demo import demo_co_trainers, demo_monitoring, demo_nomination, demo_plans
from haki.referrals.demo import demo_referrals

DEMO_FILE = resources.files("haki.demo") / "kisumu-demo.yaml"
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed on purpose, local demo only


class Command(BaseCommand):
    help = "Load the fictional demo organisation with ready-to-use staff logins (local only)."

    def handle(self, *args, **options) -> None:
        if not getattr(settings, "HAKI_DEMO_ALLOWED", False):
            raise CommandError("the demo has known passwords and is refused outside local settings")
        call_command("migrate", interactive=False, verbosity=0)
        spec = provisioning.load(DEMO_FILE.read_text(encoding="utf-8"))
        org, summary = provisioning.apply(spec)
        self.stdout.write(f"Demo organisation {org.name!r}: {summary}")
        if not org.cases.exists():
            count = import_cases(org, "demo.csv", demo_cases(timezone.localdate()))
            self.stdout.write(f"Demo cases: {count} fictional records over the past year")
        visits = demo_monitoring(org)
        if visits:
            self.stdout.write(f"Demo station monitoring: one round with {visits} visits")
        if demo_nomination(org):
            self.stdout.write("Demo recognition: one officer nominated")
        referrals = demo_referrals(org)
        if referrals:
            self.stdout.write(f"Demo referrals: {referrals}, and entitlement applications")
        demo_co_trainers(org)
        if demo_plans(org):
            self.stdout.write("Demo action plan (one action overdue) and review meeting")
        cards = load_demo_cards(org)
        for card in cards:
            state = card.status_label.lower()
            self.stdout.write(
                f"Demo ID card {card.display_code} ({state}): /v/{org.slug}/{card.token}"
            )
        key_path = getattr(settings, "HAKI_MASTER_KEY_PATH", None)
        if key_path:
            self.stdout.write(f"Development master key: {key_path} (outside the repository)")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for staff in spec.staff:
            user = get_user_model().objects.get(username=staff.username)
            if not user.has_usable_password():
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="default", defaults={"confirmed": True}
            )
            secret = device.bin_key
            code = totp(secret, step=device.step, t0=device.t0, digits=device.digits)
            self.stdout.write(
                f"  {staff.username:<12} {staff.role:<12} authenticator secret "
                f"{_base32(secret)}  (code now: {code:06d})"
            )
        self.stdout.write(
            "\nAdd a secret to any authenticator app, or print a fresh code with "
            "`.venv/bin/haki demo_code USERNAME`."
        )
        self.stdout.write(
            "No gateway needed: sign in as coordinator and open 'Phone simulator' to text "
            "HELP as Rose, then ACK and DONE as Demo Paralegal Amani."
        )


def demo_cases(today: datetime.date, count: int = 80) -> bytes:
    """Fictional case records spread over the year before ``today``, as an import file."""
    chance = random.Random(2026)  # noqa: S311 - made-up demo data, not security
    abuses = ["arbitrary_arrest", "extortion", "physical_violence", "condoms_as_evidence", "raid"]
    positives = ["protected_from_client", "helped_release", "took_report_seriously"]
    units = ["Central station", "Kondele post", "Market patrol", "County enforcement"]
    lines = [",".join(IMPORT_COLUMNS)]
    for _ in range(count):
        day = today - datetime.timedelta(days=chance.randrange(365))
        kinds = chance.sample(abuses, chance.choice([1, 1, 2]))
        if chance.random() < 0.25:
            kinds.append(chance.choice(positives))
        fields = [
            day.isoformat(),
            chance.choice(["KSM-C", "KSM-C", "KSM-E"]),
            chance.choice(["street", "bar_or_lodge", "police_station", "home"]),
            ";".join(kinds),
            chance.choice(["regular_police", "regular_police", "municipal_officer", "client"]),
            chance.choice(units),
            chance.choice(["", "bond_release", "complaint_filed", "accompanied_station"]),
            chance.choice(["", "released", "charges_dropped", "unresolved"]),
            chance.choice(["yes", "no"]),
            chance.choice(["yes", "no", "no"]),
            "Demo record: no real person.",
        ]
        lines.append(",".join(fields))
    return ("\n".join(lines) + "\n").encode()


def _base32(secret: bytes) -> str:
    from base64 import b32encode

    return b32encode(secret).decode().rstrip("=")
