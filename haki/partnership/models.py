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
from django.utils import timezone
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

    @classmethod
    def find(cls, organisation: Organisation, number: str, exclude: int | None = None):
        """The organisation's ally with this service number, through its HMAC index."""
        index = organisation.keyring.index(normalise_service_number(None, number))
        found = cls.objects.filter(organisation=organisation, service_number_index=index)
        return found.exclude(pk=exclude).first()

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
        Action.objects.filter(owner_ally=other).update(owner_ally=self)
        ActionPlan.objects.filter(focal_point=other).update(focal_point=self)
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

    @staticmethod
    def refusal(current: Posting | None, station_id: int | None, on: datetime.date) -> str:
        """Why a posting to ``station_id`` (None: left the force) from ``on`` cannot
        follow ``current``, or "": a transfer must come after the current posting, or
        it would rewrite where the officer was. Imports, provisioning and forms ask."""
        if current is None or current.station_id == station_id or on > current.started_on:
            return ""
        return str(_("a transfer must be dated after the current posting"))


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


class CoTrainer(models.Model):
    """A member who agreed to be named, by alias, as a community co-trainer: only
    these can be facilitators of a training, on its page or in an import file."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="co_trainer"
    )
    agreed_on = models.DateField(_("agreed on"))
    created_on = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"co-trainer {self.member_id}"


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


class ReferralAct(models.Model):
    """A police referral completed at a service: a positive act of the station where
    the referring officer was posted on the day of the referral. One per referral, so
    completing twice or replaying counts once."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="station_act"
    )
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="referral_acts")
    created_on = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"referral {self.referral_id} at {self.station_id}"


# Joint action plans and review meetings ------------------------------------------

REMIND_DAYS_BEFORE = 2  # an owner with a phone is texted this many days before the due date
REMIND_AT = datetime.time(9, 0)  # in the organisation's time zone


class PlanQuerySet(models.QuerySet):
    def for_user(self, user: object, organisation: Organisation) -> PlanQuerySet:
        """The ONE access helper of plans: every plan of the organisation for the staff
        who may see plans; a police ally only the plans they are party to (focal point,
        or owner of one of its actions); nobody else anything."""
        mine = self.filter(organisation=organisation)
        if user.has_perm("partnership.view_plans", organisation):
            return mine
        if not user.has_perm("partnership.view_own_plans", organisation):
            return mine.none()
        allies = Ally.objects.filter(organisation=organisation, user=user)
        party = Q(focal_point__in=allies) | Q(actions__owner_ally__in=allies)
        return mine.filter(party).distinct()


class ActionPlan(models.Model):
    """A joint action plan of the police and the community for an area or a station:
    its parties are a focal point (a police ally) and a community leader (a member,
    by alias, or a staff user); it holds actions and check-ins."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="action_plans"
    )
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="action_plans"
    )
    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.PROTECT, related_name="action_plans"
    )
    focal_point = models.ForeignKey(
        Ally, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans_as_focal_point"
    )
    leader_member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    leader_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="plan_ends_after_it_starts",
                violation_error_message=_("A plan ends on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=Q(area__isnull=True) | Q(station__isnull=True),
                name="plan_for_an_area_or_a_station",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def place(self) -> Area | Station | None:
        return self.station or self.area

    def progress(self) -> float | None:
        """The share of actions done, in percent, over the actions not dropped."""
        return progress(list(self.actions.all()))


def progress(actions: list[Action]) -> float | None:
    counted = [a for a in actions if a.status != Action.Status.DROPPED]
    if not counted:
        return None
    done = sum(1 for a in counted if a.status == Action.Status.DONE)
    return round(100 * done / len(counted), 1)


class Meeting(models.Model):
    """A review meeting: its date, how many came from each group, and its decisions
    (actions). Its brief is computed for the period since the previous meeting; it
    keeps no alias, number or narrative."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="review_meetings"
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    attended_community = models.PositiveIntegerField(_("community members"), default=0)
    attended_police = models.PositiveIntegerField(_("police officers"), default=0)
    attended_staff = models.PositiveIntegerField(_("staff"), default=0)
    attended_other = models.PositiveIntegerField(_("others"), default=0)
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    GROUPS = ("attended_community", "attended_police", "attended_staff", "attended_other")

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"meeting {self.held_on}"

    def attendance(self) -> list[tuple[str, int]]:
        return [(self._meta.get_field(g).verbose_name, getattr(self, g)) for g in self.GROUPS]

    @property
    def attended(self) -> int:
        return sum(getattr(self, g) for g in self.GROUPS)

    def previous(self) -> Meeting | None:
        earlier = Meeting.objects.filter(organisation_id=self.organisation_id)
        earlier = earlier.filter(
            Q(held_on__lt=self.held_on) | Q(held_on=self.held_on, pk__lt=self.pk)
        )
        return earlier.order_by("-held_on", "-pk").first()

    def period(self) -> tuple[datetime.date, datetime.date]:
        """Since the day after the previous meeting (or 90 days before) to this one."""
        before = self.previous()
        since = before.held_on + datetime.timedelta(days=1) if before else None
        since = since or self.held_on - datetime.timedelta(days=90)
        return min(since, self.held_on), self.held_on


class ActionQuerySet(models.QuerySet):
    def overdue(self, day: datetime.date) -> ActionQuerySet:
        """Open on ``day`` (not done or dropped by then) and due before it."""
        return self.filter(due_on__lt=day).filter(
            Q(status=Action.Status.OPEN) | Q(closed_on__gt=day)
        )


class Action(models.Model):
    """One thing to do, of a plan or decided at a review meeting: an owner (an ally, a
    member or a staff user, all of the plan's organisation), a due date and a status.
    Its reminder is a timer in the row: ``remind_on`` is cleared when it is sent."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(
        ActionPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(_("action"), max_length=200)
    owner_ally = models.ForeignKey(
        Ally, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    owner_member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_on = models.DateField(_("done or dropped on"), null=True, blank=True)
    remind_on = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    reminder = models.ForeignKey(
        "messaging.Msg", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, meeting__isnull=True)
                | Q(plan__isnull=True, meeting__isnull=False),
                name="action_of_a_plan_or_a_meeting",
            ),
            models.CheckConstraint(
                condition=Q(
                    owner_ally__isnull=False, owner_member__isnull=True, owner_user__isnull=True
                )
                | Q(owner_ally__isnull=True, owner_member__isnull=False, owner_user__isnull=True)
                | Q(owner_ally__isnull=True, owner_member__isnull=True, owner_user__isnull=False),
                name="action_has_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "done", "dropped"]),
                name="action_status_in_list",
            ),
        ]

    def __str__(self) -> str:
        return f"action {self.uuid}"

    @property
    def owner(self) -> object:
        return self.owner_ally or self.owner_member or self.owner_user

    def is_overdue(self, day: datetime.date) -> bool:
        return self.due_on < day and (
            self.status == self.Status.OPEN or (self.closed_on is not None and self.closed_on > day)
        )

    def schedule_reminder(self) -> None:
        """Set the timer: REMIND_DAYS_BEFORE days before the due date at REMIND_AT in the
        organisation's time zone (now, if that moment has passed and the action is not
        yet due). A closed or past-due action has no timer. Does not save."""
        tz = self.organisation.tzinfo
        today = timezone.localdate(timezone=tz)
        if self.status != self.Status.OPEN or self.due_on < today or self.reminder_id:
            self.remind_on = None
            return
        day = self.due_on - datetime.timedelta(days=REMIND_DAYS_BEFORE)
        self.remind_on = max(datetime.datetime.combine(day, REMIND_AT, tzinfo=tz), timezone.now())

    def set_status(self, status: str, day: datetime.date) -> None:
        self.status = status
        self.closed_on = None if status == self.Status.OPEN else day
        self.schedule_reminder()


class CheckIn(models.Model):
    """A coordinator's site visit or call about a plan. The note may identify people:
    it is sealed with the organisation's key."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("site visit")
        CALL = "call", _("call")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="check_ins")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    on = models.DateField(_("on"))
    note_sealed = models.TextField(blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(auto_now_add=True)

    note = Sealed("note_sealed")

    class Meta:
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"check-in {self.uuid}"


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
