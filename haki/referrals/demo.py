"""Fictional referrals and entitlement applications for the demo organisation: one
referral in each state, spread over recent weeks, so the pages and figures show life."""

from __future__ import annotations

import datetime

from django.utils import timezone

from haki.core.models import Organisation
from haki.members.models import Member
from haki.referrals import hooks
from haki.referrals.models import (
    ApplicationStatus,
    EntitlementApplication,
    ForumMeeting,
    Referral,
    Service,
)

# (service, member alias or None for a police code, referrer, days ago, final status, days to it)
REFERRALS = [
    ("Lake Drop-in Centre", "Rose", "responder", 20, "completed", 2),
    ("Kisumu East Clinic", "Lily", "staff", 15, "completed", 9),
    ("Nyanza MAT Clinic", None, "police", 12, "completed", 1),
    ("Haki Legal Desk", "Zawadi", "staff", 6, "accepted", 1),
    ("Lake Drop-in Centre", "Lily", "self", 3, "requested", 0),
    ("Nyanza MAT Clinic", None, "police", 2, "requested", 0),
    ("Kisumu East Clinic", "Rose", "staff", 30, "cancelled", 14),
    ("Haki Legal Desk", "Rose", "responder", 25, "failed", 5),
]


def demo_referrals(org: Organisation) -> int:
    """Create the demo referrals and applications once; returns how many referrals."""
    if org.referrals.exists():
        return 0
    services = {s.name: s for s in Service.objects.filter(organisation=org)}
    members = {m.alias: m for m in Member.objects.filter(organisation=org)}
    police = org.responders.filter(tier="police_ally").first()
    now = timezone.now()
    for name, alias, referrer, ago, status, after in REFERRALS:
        if name not in services:
            continue
        requested = now - datetime.timedelta(days=ago)
        referral = Referral.make(
            org,
            services[name],
            member=members.get(alias) if alias else None,
            referrer_type=referrer,
            requested_on=requested,
            referred_by_responder=police if referrer == "police" else None,
        )
        if status != "requested":
            referral.status = status
            setattr(referral, f"{status}_on", requested + datetime.timedelta(days=after))
            if status == "cancelled":
                referral.cancel_reason = Referral.CancelReason.EXPIRED
            if status != "accepted":
                referral.remind_on = referral.expires_on = None
            referral.save()
            if status == "completed" and referrer == "police":
                hooks.police_referral_completed(referral)  # as the service's SEEN would
    demo_applications(org, members, now)
    return org.referrals.count()


def demo_applications(org: Organisation, members: dict[str, Member], now) -> None:
    steps = [
        ("Rose", "ration_card", ["submitted", "raised", "granted"]),
        ("Lily", "voter_id", ["submitted"]),
        ("Zawadi", "housing", ["submitted", "raised"]),
        ("Rose", "bank_account", []),
    ]
    raised = []
    for alias, kind, history in steps:
        if alias not in members:
            continue
        application = EntitlementApplication.objects.create(
            organisation=org,
            member=members[alias],
            kind=kind,
            office="Kisumu County offices",
            created_on=now - datetime.timedelta(days=60),
        )
        for i, status in enumerate(history):
            on = now - datetime.timedelta(days=50 - 15 * i)
            ApplicationStatus.objects.create(application=application, status=status, on=on)
            application.status = status
            if status == "granted":
                application.decided_on = on
            if status == "raised":
                raised.append(application)
        application.save()
    forum = ForumMeeting.objects.create(
        organisation=org,
        name="Kisumu convergence forum",
        held_on=(now - datetime.timedelta(days=35)).date(),
        departments="County housing, Civil registration, Social protection",
    )
    forum.applications.set(raised)
