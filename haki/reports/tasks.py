import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from haki.core.models import Organisation
from haki.reports import dhis2
from haki.reports.models import Dhis2Push


def due_period(schedule: str, today: datetime.date) -> str | None:
    """The last complete month or ISO week, for a monthly or weekly schedule."""
    if schedule == "monthly":
        return f"{today.replace(day=1) - datetime.timedelta(days=1):%Y%m}"
    if schedule == "weekly":
        year, week, _day = (today - datetime.timedelta(days=7)).isocalendar()
        return f"{year}W{week:02d}"
    return None


@db_periodic_task(crontab(minute="17", hour="*"))
def push_to_dhis2() -> int:
    """Each organisation's last complete period goes to DHIS2 once it has ended, retried
    every hour until a push succeeds."""
    pushed = 0
    for organisation in Organisation.objects.filter(settings__has_key="dhis2"):
        today = datetime.datetime.now(organisation.tzinfo).date()
        period = due_period(organisation.settings["dhis2"].get("schedule", "off"), today)
        done = Dhis2Push.objects.filter(organisation=organisation, period=period, ok=True)
        if period is None or done.filter(dry_run=False).exists():
            continue
        try:
            dhis2.push(organisation, period)
            pushed += 1
        except dhis2.Dhis2Error:
            continue  # recorded on the push; the Programme page shows it
    return pushed
