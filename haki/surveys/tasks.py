from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from haki.surveys.sending import due_broadcasts, due_polls, send_broadcast_if_due, send_if_due


@db_periodic_task(crontab(minute="*"))
def send_due_polls() -> int:
    """Polls whose time has come (the time is in the poll's row) go out, each once."""
    return sum(1 for poll in due_polls() if send_if_due(poll.pk))


@db_periodic_task(crontab(minute="*"))
def send_due_broadcasts() -> int:
    """Broadcasts scheduled for now or earlier go out, each once."""
    return sum(1 for pk in due_broadcasts() if send_broadcast_if_due(pk))
