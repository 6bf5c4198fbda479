from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed
from haki.core.models import Area, Organisation
from haki.members.models import Member, MemberGroup

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
SCHEDULE = re.compile(r"^(?P<days>[a-z]{3}(?:,[a-z]{3})*) (?P<hour>\d{1,2}):(?P<minute>\d{2})$")


def valid_schedule(schedule: str) -> bool:
    """True for "" (sent by hand) and for days and a time such as "mon,thu 10:00"."""
    value = schedule.strip().lower()
    if not value:
        return True
    found = SCHEDULE.match(value)
    return bool(
        found
        and all(day in WEEKDAYS for day in found["days"].split(","))
        and int(found["hour"]) <= 23
        and int(found["minute"]) <= 59
    )


def next_occurrence(schedule: str, after: datetime, tz) -> datetime | None:
    """The first moment after ``after`` matching "mon,thu 10:00" in time zone ``tz``."""
    found = SCHEDULE.match(schedule.strip().lower()) if schedule else None
    if not found:
        return None
    days = {WEEKDAYS.index(d) for d in found["days"].split(",")}
    local = after.astimezone(tz)
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        if day.weekday() not in days:
            continue
        moment = datetime(
            day.year, day.month, day.day, int(found["hour"]), int(found["minute"]), tzinfo=tz
        )
        if moment > local:
            return moment
    return None


class Target(models.Model):
    """Who a poll or broadcast goes to: everyone, or the members of some areas (and the
    areas below them) and of some groups."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    areas = models.ManyToManyField(Area, blank=True, related_name="+")
    groups = models.ManyToManyField(MemberGroup, blank=True, related_name="+")

    class Meta:
        abstract = True

    def recipients(self) -> models.QuerySet[Member]:
        members = Member.objects.filter(organisation=self.organisation).reachable()
        chosen_areas, chosen_groups = list(self.areas.all()), list(self.groups.all())
        if not chosen_areas and not chosen_groups:
            return members
        covered = {pk for area in chosen_areas for pk in area.subtree()}
        in_target = models.Q(area_id__in=covered) | models.Q(groups__in=chosen_groups)
        return members.filter(pk__in=Member.objects.filter(in_target).values("pk"))


class Poll(Target):
    class FollowUp(models.TextChoices):
        NONE = "", _("no follow-up")
        YES = "yes", _("when the answer is yes")
        NO = "no", _("when the answer is no")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.SlugField(_("name"))
    question = models.JSONField(_("question"), help_text=_("One text per language."))
    schedule = models.CharField(
        _("schedule"),
        max_length=64,
        blank=True,
        help_text=_('Empty to send by hand, or e.g. "mon,thu 10:00".'),
    )
    window_hours = models.PositiveIntegerField(_("reply window (hours)"), default=48)
    follow_up_on = models.CharField(
        _("follow-up"), max_length=3, blank=True, choices=FollowUp.choices
    )
    next_send_on = models.DateTimeField(null=True, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="poll_name")]

    def __str__(self) -> str:
        return self.name

    def plan_next(self, after: datetime | None = None) -> None:
        self.next_send_on = next_occurrence(
            self.schedule, after or timezone.now(), self.organisation.tzinfo
        )


class PollSend(models.Model):
    """One sending of a poll, and the window in which replies to it count."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="sends")
    sent_on = models.DateTimeField(default=timezone.now)
    closes_on = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_on"]

    def __str__(self) -> str:
        return f"{self.poll} {self.sent_on:%Y-%m-%d}"


class Reply(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")
        OTHER = "other", _("other")

    poll_send = models.ForeignKey(PollSend, on_delete=models.CASCADE, related_name="replies")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=5, choices=Answer.choices)
    msg = models.ForeignKey("messaging.Msg", null=True, on_delete=models.SET_NULL, related_name="+")
    received_on = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A member's last answer in the window is the one that counts.
            models.UniqueConstraint(fields=["poll_send", "member"], name="one_answer_each")
        ]

    def __str__(self) -> str:
        return f"{self.poll_send} {self.answer}"


class FollowUp(models.Model):
    """A call to make because of an answer: assigned to a responder near the member."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    reply = models.OneToOneField(Reply, on_delete=models.CASCADE, related_name="follow_up")
    responder = models.ForeignKey(
        "crisis.Responder", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note_sealed = models.TextField(blank=True, editable=False)
    closed_on = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(auto_now_add=True)

    note = Sealed("note_sealed")

    class Meta:
        ordering = ["closed_on", "-created_on"]

    def __str__(self) -> str:
        return f"follow-up {self.uuid}"


class Broadcast(Target):
    """One information text to many members, sent at the channel's rate."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    text = models.JSONField(_("text"), help_text=_("One text per language."))
    # Empty: sent when created. Set: sent by the scheduler at that moment, once
    # (``sent_on`` records it); until then its texts may still be edited.
    send_on = models.DateTimeField(_("send at"), null=True, blank=True, db_index=True)
    sent_on = models.DateTimeField(null=True, blank=True, editable=False)
    recipients_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return f"broadcast {self.uuid}"

    @property
    def is_waiting(self) -> bool:
        """Scheduled and not sent yet: its texts and time may still change."""
        return self.send_on is not None and self.sent_on is None


class InfoText(models.Model):
    """A keyword that answers with a stored text, e.g. RIGHTS → know-your-rights."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    keyword = models.CharField(_("keyword"), max_length=32)
    text = models.JSONField(_("text"), help_text=_("One text per language."))
    is_rights = models.BooleanField(
        _("this is the rights text"),
        default=False,
        help_text=_("Sent to members who choose 'know your rights' in the USSD menu."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "keyword"], name="info_kw"),
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(is_rights=True), name="info_one_rights"
            ),
        ]

    def __str__(self) -> str:
        return self.keyword

    @classmethod
    def rights_of(cls, organisation: Organisation) -> InfoText | None:
        """The text marked as the organisation's rights text, else the one kept under
        the keyword RIGHTS."""
        texts = cls.objects.filter(organisation=organisation)
        return texts.filter(is_rights=True).first() or texts.filter(keyword="RIGHTS").first()

    def in_language(self, language: str) -> str:
        return self.text.get(language) or next(iter(self.text.values()), "")

    @classmethod
    def keywords_held(cls, organisation: Organisation) -> Iterator[tuple[str, InfoText, Any]]:
        """``haki.core.words`` source: the organisation's information keywords."""
        if organisation is None or organisation.pk is None:
            return
        reason = _("This is already an information keyword.")
        for info in cls.objects.filter(organisation=organisation).only("pk", "keyword"):
            yield info.keyword, info, reason
