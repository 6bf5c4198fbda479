from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from haki.surveys.sending import due_polls, send_poll


@db_periodic_task(crontab(minute="*"))
def send_due_polls() -> int:
    """Polls whose time has come (the time is in the poll's row) go out."""
    polls = due_polls()
    for poll in polls:
        send_poll(poll)
    return len(polls)
