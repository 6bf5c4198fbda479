"""The fixed vocabularies of a case, and the seed of the organisation-editable list of
what happened. Keys are stable (imports and exports use them); labels are translated."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy


class Place(models.TextChoices):
    STREET = "street", _("Street")
    BAR_OR_LODGE = "bar_or_lodge", _("Bar or lodge")
    HOME = "home", pgettext_lazy("place where something happened", "Home")
    POLICE_STATION = "police_station", _("Police station or cell")
    COURT = "court", _("Court")
    CLINIC = "clinic", _("Clinic or hospital")
    DROP_IN_CENTRE = "drop_in_centre", _("Drop-in centre")
    OTHER = "other", _("Other")


class Perpetrator(models.TextChoices):
    REGULAR_POLICE = "regular_police", _("Regular police")
    ADMINISTRATIVE_POLICE = "administrative_police", _("Administrative police")
    MUNICIPAL_OFFICER = "municipal_officer", _("Municipal officer")
    ANTI_NARCOTICS = "anti_narcotics", _("Anti-narcotics unit")
    OTHER_OFFICIAL = "other_official", _("Other official")
    CLIENT = "client", _("Client")
    PARTNER = "partner", _("Partner")
    PUBLIC = "public", _("Member of the public")


class Action(models.TextChoices):
    ACCOMPANIED_STATION = "accompanied_station", _("Accompanied to the police station")
    ACCOMPANIED_LAWYER = "accompanied_lawyer", _("Accompanied to a lawyer")
    ACCOMPANIED_HOSPITAL = "accompanied_hospital", _("Accompanied to hospital")
    BOND_RELEASE = "bond_release", _("Bond release")
    COMPLAINT_FILED = "complaint_filed", _("Complaint filed")
    REFERRAL = "referral", _("Referral")
    RAISED_WITH_LEADERSHIP = "raised_with_leadership", _("Raised with police leadership")


class Outcome(models.TextChoices):
    RELEASED = "released", _("Released")
    CHARGES_DROPPED = "charges_dropped", _("Charges dropped")
    OFFICER_REPRIMANDED = "officer_reprimanded", _("Officer reprimanded")
    OFFICER_DISMISSED = "officer_dismissed", _("Officer dismissed")
    OFFICER_CHARGED = "officer_charged", _("Officer charged")
    COMPENSATION = "compensation", _("Compensation")
    UNRESOLVED = "unresolved", _("Unresolved")


class Kind(models.TextChoices):
    ABUSE = "abuse", _("Violation")
    POSITIVE = "positive", _("Positive act")


# What happened: seeded into every organisation's own list, which it may extend. Labels are
# stored in English and translated when shown (gettext_noop marks them for translation).
SEED_VIOLATIONS: list[tuple[str, str, str]] = [
    ("arbitrary_arrest", gettext_noop("Arbitrary arrest"), Kind.ABUSE),
    ("detention_without_charge", gettext_noop("Detention without charge"), Kind.ABUSE),
    ("extortion", gettext_noop("Extortion or bribe"), Kind.ABUSE),
    ("physical_violence", gettext_noop("Physical violence"), Kind.ABUSE),
    ("sexual_violence", gettext_noop("Sexual violence"), Kind.ABUSE),
    ("rape", gettext_noop("Rape"), Kind.ABUSE),
    ("forced_sex_for_release", gettext_noop("Forced sex in exchange for release"), Kind.ABUSE),
    ("theft_by_officer", gettext_noop("Theft by officer"), Kind.ABUSE),
    ("condoms_as_evidence", gettext_noop("Condoms taken or used as evidence"), Kind.ABUSE),
    ("injecting_equipment_taken", gettext_noop("Injecting equipment taken"), Kind.ABUSE),
    ("raid", gettext_noop("Raid"), Kind.ABUSE),
    ("forced_testing", gettext_noop("Forced HIV/STI/drug test"), Kind.ABUSE),
    ("denial_of_legal_representation", gettext_noop("Denial of legal representation"), Kind.ABUSE),
    ("harassment_at_health_service", gettext_noop("Harassment at a health service"), Kind.ABUSE),
    ("outreach_obstructed", gettext_noop("Outreach worker obstructed"), Kind.ABUSE),
    ("threats", gettext_noop("Threats"), Kind.ABUSE),
    ("public_humiliation", gettext_noop("Public humiliation"), Kind.ABUSE),
    ("protected_from_client", gettext_noop("Protected from a client"), Kind.POSITIVE),
    ("intervened_against_violence", gettext_noop("Intervened against violence"), Kind.POSITIVE),
    ("referred_to_service", gettext_noop("Referred to a service"), Kind.POSITIVE),
    ("helped_release", gettext_noop("Helped release"), Kind.POSITIVE),
    ("facilitated_methadone", gettext_noop("Facilitated methadone in custody"), Kind.POSITIVE),
    ("took_report_seriously", gettext_noop("Took a report seriously"), Kind.POSITIVE),
]

SEED_LABELS: dict[str, str] = {key: label for key, label, _kind in SEED_VIOLATIONS}
