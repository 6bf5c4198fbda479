from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The main navigation: (url name, label, permission checked on the organisation, what
# the page is for). The home page lists the same pages with their purpose, so that every
# role learns what it can do here; a refused page points back to them.
NAVIGATION = [
    ("core:home", _("Home"), "core.view_home", ""),
    (
        "crisis:board",
        _("Hotline"),
        "crisis.view_board",
        _("Open alerts as they come in: take one, close it, or log a call."),
    ),
    ("members:list", _("Members"), "core.view_people", _("Find a member and their history.")),
    (
        "crisis:responders",
        _("Responders"),
        "core.view_people",
        _("Who answers alerts, in which area, and who is on duty."),
    ),
    (
        "messaging:inbox",
        _("Inbox"),
        "messaging.view_inbox",
        _("Texts from members that need a person to answer."),
    ),
    (
        "messaging:log",
        _("Messages"),
        "messaging.view_log",
        _("Every text in and out, and whether it was delivered."),
    ),
    ("surveys:polls", _("Polls"), "surveys.manage", _("The weekly yes/no pulse and its results.")),
    ("surveys:broadcasts", _("Broadcasts"), "surveys.manage", _("Send one text to many members.")),
    (
        "surveys:follow_ups",
        _("Calls"),
        "surveys.follow_up",
        _("Members who asked to be called back after a poll."),
    ),
    ("cases:list", _("Cases"), "cases.view_case", _("Document abuses and good acts by police.")),
    (
        "referrals:list",
        _("Referrals"),
        "referrals.refer",
        _("Refer members to services, follow them up, and track entitlement applications."),
    ),
    (
        "referrals:provider",
        _("Confirm visits"),
        "referrals.confirm",
        _("Confirm by code that someone referred to your service came."),
    ),
    (
        "cases:patterns",
        _("Patterns"),
        "cases.view_patterns",
        _("What happens where and by whom, as charts and a map."),
    ),
    (
        "reports:brief",
        _("Briefs"),
        "reports.view_brief",
        _("Counts for the review meeting and for police leadership, ready to print."),
    ),
    (
        "reports:programme",
        _("Programme"),
        "reports.view_programme",
        _("The programme's indicators beside the period before and a year earlier."),
    ),
    (
        "api:tokens",
        _("API tokens"),
        "api.manage_tokens",
        _("Keys for partners' systems to read the organisation's figures."),
    ),
    (
        "core:settings",
        _("Settings"),
        "core.manage_organisation",
        _("Areas, channels, texts, time zone and escalation of the organisation."),
    ),
    (
        "credentials:list",
        _("ID cards"),
        "credentials.manage",
        _("Issue, print and revoke outreach workers' ID cards."),
    ),
    (
        "partnership:coverage",
        _("Coverage"),
        "partnership.view_coverage",
        _("How many officers are trained, by station and area, over time."),
    ),
    (
        "partnership:trainings",
        _("Trainings"),
        "partnership.view_trainings",
        _("Police trainings: modules, facilitators, attendance and scores."),
    ),
    (
        "partnership:allies",
        _("Allies"),
        "partnership.manage",
        _("Police and other allies, their postings and roles."),
    ),
    (
        "partnership:me",
        _("My trainings"),
        "partnership.view_own_record",
        _("The trainings you attended."),
    ),
    (
        "partnership:plans",
        _("Action plans"),
        "partnership.open_plans",
        _("Joint action plans of police and community: actions, owners, check-ins."),
    ),
    (
        "partnership:meetings",
        _("Review meetings"),
        "partnership.manage_meetings",
        _("Meeting records: attendance, the brief since the last meeting, decisions."),
    ),
    (
        "partnership:rounds",
        _("Station monitoring"),
        "partnership.record_visits",
        _("Monitoring rounds: visits to stations, their scores and the trend."),
    ),
    (
        "partnership:nominations",
        _("Recognition"),
        "partnership.recognise",
        _("Nominate officers who acted well, decide, and print the evidence letter."),
    ),
    ("core:audit", _("Audit trail"), "core.view_audit", _("Who viewed, changed or exported what.")),
    ("core:staff", _("Staff"), "core.manage_staff", _("Invite staff, change roles, end sessions.")),
    (
        "simulator:phones",
        _("Phone simulator"),
        "simulator.use",
        _("Text Haki as any demo member or responder and see its answers."),
    ),
]


def haki(request: HttpRequest) -> dict[str, Any]:
    organisation = getattr(request, "organisation", None)
    nav = []
    if organisation is not None:
        nav = [
            {"url": reverse(name), "label": label, "description": description}
            for name, label, perm, description in NAVIGATION
            if request.user.has_perm(perm, organisation)
        ]
    return {
        "site_name": settings.HAKI_SITE_NAME,
        "organisation": organisation,
        "membership": getattr(request, "membership", None),
        "nav": nav,
    }
