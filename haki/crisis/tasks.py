"""Escalation timers and the duty roster. The deadline is in the alert's row; the
scheduled task is only a prompt, re-checked when it fires, so it never needs
cancelling, and the sweep finds any deadline whose prompt was lost."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from haki.crisis import alerts, duty, outages
from haki.processes import once_per_process


@db_task(priority=20)  # as a send: ahead of routing prompts and broadcasts' drains
def escalate(alert_id: int) -> str:
    return alerts.escalate(alert_id)


@db_periodic_task(crontab(minute="*"))
def sweep_deadlines() -> None:
    for alert_id in alerts.overdue_alert_ids():
        escalate(alert_id)
    duty.apply_rosters()
    outages.warn_of_failing_channels()


@HUEY.on_startup()
@once_per_process
def catch_up_deadlines() -> None:
    """Deadlines that passed while no worker ran are acted on at once (with other
    workers running, an alert is still escalated once: escalate re-reads it locked)."""
    from django.db import close_old_connections

    close_old_connections()
    try:
        for alert_id in alerts.overdue_alert_ids():
            escalate(alert_id)
    finally:
        close_old_connections()
