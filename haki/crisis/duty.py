"""Weekly rosters: at each shift's start its responder goes on duty, at its end off.
ON and OFF by text, and the duty button on the web, change duty at once in between."""

from __future__ import annotations

from django.utils import timezone

from haki.core.models import Area, Organisation
from haki.crisis.models import Responder


def apply_rosters(now=None) -> int:
    """Set on duty exactly the rostered responders whose shift covers now. Responders
    without a roster are left to their texts and coordinators. Returns changes."""
    now = now or timezone.now()
    changed = 0
    rostered = (
        Responder.objects.filter(shifts__isnull=False).distinct().select_related("organisation")
    )
    for responder in rostered:
        local = now.astimezone(responder.organisation.tzinfo)
        should = any(shift.covers(local) for shift in responder.shifts.all())
        if responder.on_duty != should:
            responder.on_duty = should
            responder.save(update_fields=["on_duty", "modified_on"])
            changed += 1
    return changed


def uncovered_areas(organisation: Organisation) -> list[Area]:
    """Areas where no responder of any tier is on duty, there or above."""
    on_duty = set(
        Responder.objects.filter(organisation=organisation, on_duty=True).values_list(
            "areas", flat=True
        )
    )
    return [
        area
        for area in organisation.areas.select_related("parent")
        if not any(a.pk in on_duty for a in area.lineage())
    ]
