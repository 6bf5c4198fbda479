from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from haki.ussd.models import Session


@db_periodic_task(crontab(minute="*/5"))
def forget_sessions() -> int:
    """Sessions the network has closed: nothing in them is needed any more."""
    deleted, _ = Session.objects.expired().delete()
    return deleted
