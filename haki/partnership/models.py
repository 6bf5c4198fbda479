"""The police partnership: stations and their force sizes, allies (officers, lawyers,
health workers, M-watchers), postings of officers to stations, trainings and who
attended them. Names and service numbers are encrypted like members' data; a service
number is found through its keyed HMAC index. Nothing is overwritten: a transfer is a
new posting, a new force size a new row, so any past date can be computed again."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from haki.core.crypto import Sealed
from haki.core.models import Area, AuditEvent, Organisation

SCORE_MAX = 100  # pre- and post-test scores are percentages


def normalise_service_number(_instance: object, value: str) -> str:
    """Service numbers match whatever the case and spacing they were typed with."""
    return "".join(value.split()).upper()


class Station(models.Model):
    class Kind(models.TextChoices):
        STATION = "station", _("police station")
        POST = "post", _("police post")
        COMMAND = "command", _("district command")
        ACADEMY = "academy", _("academy")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="stations"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.STATION)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="stations")
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="station_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def force_size_on(self, day: datetime.date) -> int | None:
        """The number of officers posted here as last counted on or before ``day``."""
        size = self.force_sizes.filter(on__lte=day).order_by("-on").first()
        return size.size if size else None

    def record_force_size(self, size: int, on: datetime.date) -> ForceSize:
        """A new count never overwrites an older one: the history is kept."""
        found, _created = ForceSize.objects.update_or_create(
            station=self, on=on, defaults={"size": size}
        )
        return found


class ForceSize(models.Model):
    """How many officers a station had on a date: one row per count."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="force_sizes")
    size = models.PositiveIntegerField(_("force size"))
    on = models.DateField(_("counted on"))
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["station", "on"]
        constraints = [
            models.UniqueConstraint(fields=["station", "on"], name="force_size_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.on}: {self.size}"


class Ally(models.Model):
    """Someone on the members' side: a police officer, a lawyer, a health worker or an
    M-watcher. One who answers alerts links to a responder, where the number is kept."""

    class Kind(models.TextChoices):
        POLICE = "police", _("police officer")
        LAWYER = "lawyer", _("lawyer")
        HEALTH = "health", _("health worker")
        WATCHER = "watcher", _("M-watcher")
        OTHER = "other", _("other ally")

    class Role(models.TextChoices):
        DISTRICT_FOCAL_POINT = "district_focal_point", _("district focal point")
        REGIONAL_FOCAL_POINT = "regional_focal_point", _("regional focal point")
        FRIENDLY = "friendly_officer", _("friendly officer")
        WATCHER = "m_watcher", _("M-watcher")
        TRAINER = "trainer", _("trainer")
        COMMANDER = "commander", _("commander")

    FOCAL_POINTS = (Role.DISTRICT_FOCAL_POINT, Role.REGIONAL_FOCAL_POINT)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="allies")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.POLICE)
    name_sealed = models.TextField(editable=False)
    service_number_sealed = models.TextField(blank=True, editable=False)
    # Null, not "", for allies without one: the unique index ignores nulls.
    service_number_index = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    rank = models.CharField(_("rank"), max_length=64, blank=True)
    # Roles as " a b " so that one role is found with a plain LIKE on every database.
    roles_text = models.CharField(max_length=200, blank=True, default="", editable=False)
    consent_listed = models.BooleanField(_("agrees to be listed"), default=False)
    consent_listed_on = models.DateField(_("agreed on"), null=True, blank=True)
    responder = models.OneToOneField(
        "crisis.Responder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ally",
    )
    # A police ally who signs in sees their own training record (one per organisation).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ally_records",
    )
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    name = Sealed("name_sealed")
    service_number = Sealed(
        "service_number_sealed", index="service_number_index", normalise=normalise_service_number
    )

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "allies"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "service_number_index"],
                name="ally_service_number_unique",
            ),
            models.UniqueConstraint(fields=["organisation", "user"], name="one_ally_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"

    @property
    def roles(self) -> list[str]:
        return self.roles_text.split()

    @roles.setter
    def roles(self, values: list[str]) -> None:
        self.roles_text = f" {' '.join(sorted(set(values)))} " if values else ""

    @property
    def is_focal_point(self) -> bool:
        return any(role in self.roles for role in self.FOCAL_POINTS)

    def posting_on(self, day: datetime.date) -> Posting | None:
        return self.postings.filter(started_on__lte=day).order_by("-started_on", "-pk").first()

    def move(self, station: Station | None, on: datetime.date) -> Posting:
        """Post the officer to ``station`` (None: left the force) from ``on``."""
        return Posting.objects.create(
            organisation_id=self.organisation_id, ally=self, station=station, started_on=on
        )

    def link_responder(self) -> None:
        """Focal points are texted before the other police allies of their area."""
        if self.responder_id is not None:
            first = self.kind == self.Kind.POLICE and self.is_focal_point
            type(self.responder).objects.filter(pk=self.responder_id).update(first_in_tier=first)

    @transaction.atomic
    def merge(self, other: Ally, actor: object) -> None:
        """Two records of one officer become this one: postings, attendance and case
        links move here (an attendance both had is kept once), then ``other`` goes."""
        if other.organisation_id != self.organisation_id or other.pk == self.pk:
            raise ValueError("only two records of one organisation can be merged")
        Posting.objects.filter(ally=other).update(ally=self)
        mine = set(self.attendances.values_list("training_id", flat=True))
        other.attendances.filter(training_id__in=mine).delete()
        other.attendances.update(ally=self)
        Facilitator.objects.filter(ally=other).update(ally=self)
        from haki.partnership.cases import relink_case_officers

        relink_case_officers(other, self)
        if not self.service_number and other.service_number:
            number = other.service_number
            other.service_number = ""
            other.save(update_fields=["service_number_sealed", "service_number_index"])
            self.service_number = number
        self.roles = [*self.roles, *other.roles]
        self.responder = self.responder or other.responder
        self.user = self.user or other.user
        self.consent_listed = self.consent_listed or other.consent_listed
        other.delete()
        self.save()
        self.link_responder()
        AuditEvent.record_many(
            actor, [(AuditEvent.Action.DELETE, other), (AuditEvent.Action.CHANGE, self)]
        )


class Posting(models.Model):
    """An officer at a station from a date until the next posting; a posting with no
    station means the officer left the force."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    ally = models.ForeignKey(Ally, on_delete=models.CASCADE, related_name="postings")
    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.PROTECT, related_name="postings"
    )
    started_on = models.DateField(_("posted on"))
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ally", "started_on", "pk"]
        indexes = [models.Index(fields=["organisation", "started_on"])]

    def __str__(self) -> str:
        return f"{self.ally_id} at {self.station_id or 'left'} from {self.started_on}"


class Training(models.Model):
    class Kind(models.TextChoices):
        IN_SERVICE = "in_service", _("in-service")
        RECRUITS = "recruits", _("recruits")
        TOT = "tot", _("training of trainers")
        PARALEGAL = "paralegal", _("community paralegal training")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="trainings"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="trainings"
    )
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name", "starts_on"], name="training_once_a_day"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="training_ends_after_it_starts",
                violation_error_message=_("A training ends on or after its first day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on})"

    @property
    def hours(self) -> float:
        return float(sum(m.hours for m in self.modules.all()))


class Module(models.Model):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("module"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["training", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="module_hours_positive")
        ]

    def __str__(self) -> str:
        return self.title


class Facilitator(models.Model):
    """Who taught: an officer trained earlier, or a member as a community co-trainer
    (named only by alias, and only with her consent)."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="facilitators")
    ally = models.ForeignKey(
        Ally, null=True, blank=True, on_delete=models.CASCADE, related_name="facilitated"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    member_consented = models.BooleanField(_("the member agreed to be named"), default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(ally__isnull=False, member__isnull=True))
                | (Q(ally__isnull=True, member__isnull=False, member_consented=True)),
                name="facilitator_is_an_ally_or_a_consenting_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.training_id}: {self.ally_id or self.member_id}"


class Attendance(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendances")
    ally = models.ForeignKey(Ally, on_delete=models.CASCADE, related_name="attendances")
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    pre_score = models.PositiveSmallIntegerField(_("pre-test score"), null=True, blank=True)
    post_score = models.PositiveSmallIntegerField(_("post-test score"), null=True, blank=True)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["training", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["training", "ally"], name="attended_once"),
            models.CheckConstraint(
                condition=Q(pre_score__lte=SCORE_MAX) | Q(pre_score__isnull=True),
                name="pre_score_in_scale",
            ),
            models.CheckConstraint(
                condition=Q(post_score__lte=SCORE_MAX) | Q(post_score__isnull=True),
                name="post_score_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ally_id} at {self.training_id}"

    @property
    def gain(self) -> int | None:
        if self.pre_score is None or self.post_score is None:
            return None
        return self.post_score - self.pre_score


class CaseOfficer(models.Model):
    """An officer named in a case. The officer is stored encrypted, with a keyed HMAC
    of the officer's id beside it, so that reports about one officer can be counted
    without decrypting anything and the link reveals nothing in a copy of the table."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="officer_links")
    ally_sealed = models.TextField(editable=False)
    ally_index = models.CharField(max_length=64, editable=False, db_index=True)
    created_on = models.DateTimeField(auto_now_add=True)

    ally_ref = Sealed("ally_sealed", index="ally_index")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "ally_index"], name="officer_named_once")
        ]

    def __str__(self) -> str:
        return f"case {self.case_id}: officer"


class CaseStation(models.Model):
    """The station a case happened at or involved: its free-text unit, made a record."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="station_link")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="case_links")

    def __str__(self) -> str:
        return f"case {self.case_id} at {self.station_id}"


# Monitoring rounds and recognition keep their models beside their logic; importing them
# here registers them with the app.
from haki.partnership.monitoring import (  # noqa: E402, F401
    ChecklistItem,
    ChecklistTemplate,
    Round,
    Visit,
    VisitAnswer,
    VisitTeamMember,
)
from haki.partnership.recognition import Nomination  # noqa: E402, F401
