from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed
from haki.core.models import Area, AuditEvent, Organisation
from haki.core.phones import PhoneIndexedQuerySet, mask_phone, normalise_for_organisation
from haki.members.signals import member_erased


def normalise_codewords(instance: Any, words: list[str]) -> list[str]:
    return sorted({" ".join(word.upper().split()) for word in words if word.strip()})


class MemberQuerySet(PhoneIndexedQuerySet):
    def reachable(self) -> MemberQuerySet:
        """Members who may be sent texts: not opted out, not erased."""
        return self.filter(opted_out_on__isnull=True, erased_on__isnull=True)


class Member(models.Model):
    """A member of the network, known by an alias they chose. Their number and
    codewords are encrypted; the number is found through a keyed HMAC index."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    alias = models.CharField(
        _("alias"),
        max_length=64,
        help_text=_("A name the member chose for the network; never their legal name."),
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="members")
    language = models.CharField(_("language"), max_length=8)
    phone_sealed = models.TextField(blank=True, editable=False)
    # NULL rather than "" once erased: NULLs never collide in the unique constraint.
    phone_index = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    codewords_sealed = models.TextField(blank=True, editable=False)
    share_number_with_responders = models.BooleanField(
        _("share my number with responders"), default=False
    )
    allow_police_referral = models.BooleanField(_("allow referral to police allies"), default=False)
    opted_out_on = models.DateTimeField(null=True, blank=True, editable=False)
    erased_on = models.DateTimeField(null=True, blank=True, editable=False)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    phone = Sealed("phone_sealed", index="phone_index", normalise=normalise_for_organisation)
    codewords = Sealed("codewords_sealed", normalise=normalise_codewords, json=list)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["alias"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "phone_index"], name="member_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.alias

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone_sealed else ""

    @classmethod
    def codewords_held(cls, organisation: Organisation) -> Iterator[tuple[str, Member, Any]]:
        """``haki.core.words`` source: every member's codewords. They are sealed, so the
        organisation's are opened here, once per check of a form or a whole file."""
        if organisation is None or organisation.pk is None:
            return
        reason = _("This is already a member's codeword.")
        holders = cls.objects.filter(organisation=organisation).exclude(codewords_sealed="")
        for member in holders.only("pk", "codewords_sealed").iterator(chunk_size=500):
            member.organisation = organisation  # opened with its keys, without a query
            for word in member.codewords:
                yield word, member, reason

    def opt_out(self) -> None:
        self.opted_out_on = timezone.now()
        self.save(update_fields=["opted_out_on", "modified_on"])

    def opt_in(self) -> None:
        self.opted_out_on = None
        self.save(update_fields=["opted_out_on", "modified_on"])

    def erase(self, actor: Any) -> None:
        """Remove everything that identifies the member; keep area, language and dates
        so that counts stay right. Irreversible."""
        with transaction.atomic():
            phone_index = self.phone_index
            self.phone = ""
            self.codewords = []
            self.alias = f"erased-{str(self.uuid)[:8]}"
            self.share_number_with_responders = False
            self.allow_police_referral = False
            self.erased_on = timezone.now()
            self.opted_out_on = self.opted_out_on or self.erased_on
            self.save()
            AuditEvent.record(actor, AuditEvent.Action.ERASE, self)
            member_erased.send(sender=Member, member=self, phone_index=phone_index)


class MemberGroup(models.Model):
    """A named set of members (peer educators, a drop-in centre's regulars) that polls
    and broadcasts can target, besides areas."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="member_groups"
    )
    name = models.SlugField(_("name"))
    members = models.ManyToManyField(Member, blank=True, related_name="groups")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="member_group_name")
        ]

    def __str__(self) -> str:
        return self.name
