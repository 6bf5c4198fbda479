"""The periodic sweep of action reminders, run by the existing worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from haki.partnership import timers


@db_periodic_task(crontab(minute="*/5"))
def sweep_action_reminders() -> None:
    timers.sweep()
