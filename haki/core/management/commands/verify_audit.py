from django.core.management.base import BaseCommand, CommandError

from haki.core.models import AuditEvent


class Command(BaseCommand):
    help = "Check that no audit record was edited or deleted (exit status 1 if one was)."

    def handle(self, *args, **options) -> None:
        broken = AuditEvent.first_broken()
        if broken:
            raise CommandError(f"audit trail broken: {broken}")
        count = AuditEvent.objects.count()
        self.stdout.write(f"audit trail intact: {count} records")
