from django.core.management.base import BaseCommand

from haki.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print a new master key for HAKI_MASTER_KEY. Store it apart from database backups."

    def handle(self, *args, **options) -> None:
        self.stdout.write(generate_key())
