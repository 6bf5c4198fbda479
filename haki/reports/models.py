from __future__ import annotations

from django.db import models
from django.utils import timezone

from haki.core.models import Organisation


class Dhis2Push(models.Model):
    """One push of a period's figures to DHIS2: what it answered, and which values
    (data element, org unit, category option combo codes; never a figure about a person)
    it holds now, so that a value withheld later is deleted there."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8)
    pushed_on = models.DateTimeField(default=timezone.now)
    dry_run = models.BooleanField(default=False)
    ok = models.BooleanField(default=False)
    summary = models.JSONField(default=dict)  # counts, conflicts, or the failure's sentence
    sent = models.JSONField(default=list)  # [[data element, org unit, combo], ...]

    class Meta:
        ordering = ["-pushed_on"]
        indexes = [models.Index(fields=["organisation", "period", "-pushed_on"])]

    def __str__(self) -> str:
        return f"DHIS2 push {self.period}"
