from django.core.management.base import BaseCommand, CommandError, CommandParser

from haki.surveys.models import Poll
from haki.surveys.sending import send_poll


class Command(BaseCommand):
    help = "Polls: `haki poll send --org SLUG NAME` sends a poll now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["send"])
        parser.add_argument("name")
        parser.add_argument("--org", required=True)

    def handle(self, *args, action: str, name: str, org: str, **options) -> None:
        poll = Poll.objects.filter(organisation__slug=org, name=name).first()
        if poll is None:
            raise CommandError(f"no poll {name!r} in organisation {org!r}")
        send = send_poll(poll)
        self.stdout.write(f"{poll.name}: queued for {send.recipients} members")
