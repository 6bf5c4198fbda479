from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed
from haki.core.models import Area, Organisation
from haki.core.phones import PhoneIndexedQuerySet, mask_phone, normalise_for_organisation


class ResponderQuerySet(PhoneIndexedQuerySet):
    def on_duty(self) -> ResponderQuerySet:
        return self.filter(on_duty=True)


class Responder(models.Model):
    """A paralegal, lawyer, coordinator or police ally who answers alerts by SMS.
    Names and numbers are encrypted like members' data."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="responders"
    )
    name_sealed = models.TextField(editable=False)
    phone_sealed = models.TextField(editable=False)
    phone_index = models.CharField(max_length=64, editable=False)
    tier = models.CharField(_("tier"), max_length=32)
    areas = models.ManyToManyField(Area, related_name="responders")
    on_duty = models.BooleanField(_("on duty"), default=False)
    language = models.CharField(_("language"), max_length=8)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responder_profiles",
    )
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    name = Sealed("name_sealed")
    phone = Sealed("phone_sealed", index="phone_index", normalise=normalise_for_organisation)

    objects = ResponderQuerySet.as_manager()

    class Meta:
        ordering = ["tier", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "phone_index"], name="responder_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier} {self.uuid}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
