"""The periodic sweep of referral timers, run by the existing worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from haki.referrals import timers


@db_periodic_task(crontab(minute="*/5"))
def sweep_referrals() -> None:
    timers.sweep()
