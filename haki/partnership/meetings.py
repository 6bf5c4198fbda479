"""The record of a review meeting: its sections, each a titled table computed for the
period since the previous meeting. Every section is counts, dates, action titles and
officers; none carries a member's alias, a number or a narrative (an action owned by
a member says "a community member").

SECTIONS is the list the page and the export both walk; a new section is one more
function returning a list of :class:`Section`, e.g. the stations whose monitoring
scores fell (``haki.partnership.monitoring.falling_stations``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from haki.partnership.models import Action, Ally, Meeting


@dataclass
class Section:
    title: str
    headings: list[str]
    rows: list[list[object]] = field(default_factory=list)
    note: str = ""
    shown_allies: list[Ally] = field(default_factory=list)  # audited when shown


def owner_label(action: Action, members_named: bool = False) -> str:
    """Who owns an action, as a page or a record shows it: a member's alias only where
    ``members_named`` (coordinators and caseworkers on the plan's own page)."""
    if action.owner_ally_id:
        return action.owner_ally.name
    if action.owner_member_id:
        return action.owner_member.alias if members_named else _("a community member")
    user = action.owner_user
    return (user.get_full_name() or user.get_username()) if user else ""


def brief_sections(meeting: Meeting) -> list[Section]:
    from haki.reports import brief

    since, until = meeting.period()
    built = brief.build(meeting.organisation, since, until, brief.Audience.INTERNAL)
    summary = Section(
        _("Brief for the review meeting"),
        [_("Period"), _("Cases"), _("People affected")],
        [[f"{since.isoformat()} – {until.isoformat()}", built.cases, built.people]],
    )
    tables = [
        Section(t.title, [t.heading, _("Cases")], [[label, n] for label, n in t.rows], t.note)
        for t in built.tables
    ]
    return [summary, *tables]


def overdue_sections(meeting: Meeting) -> list[Section]:
    actions = (
        Action.objects.filter(organisation_id=meeting.organisation_id)
        .overdue(meeting.held_on)
        .select_related("plan", "meeting", "owner_ally", "owner_member", "owner_user")
    )
    rows = []
    for action in actions:
        if action.owner_ally_id:
            action.owner_ally.organisation = meeting.organisation
        source = action.plan.title if action.plan_id else _("Review meeting")
        rows.append([source, action.title, owner_label(action), action.due_on.isoformat()])
    headings = [_("Plan"), _("Action"), _("Owner"), _("Due on")]
    return [Section(_("Overdue actions"), headings, rows)]


def repeated_report_sections(meeting: Meeting) -> list[Section]:
    from haki.partnership.cases import evaluation

    repeated = evaluation(meeting.organisation)["repeated"]
    rows = [[ally.name, ally.rank, n] for ally, n in repeated]
    return [
        Section(
            _("Officers with repeated reports"),
            [_("Officer"), _("Rank"), _("Violations")],
            rows,
            _("Officers named in two or more violations in the organisation's cases."),
            [ally for ally, _n in repeated],
        )
    ]


def falling_score_sections(meeting: Meeting) -> list[Section]:
    """Stations whose monitoring score fell in the rounds since the last meeting."""
    from haki.partnership.monitoring import falling_stations

    since, _until = meeting.period()
    rows = [
        [str(station), round(before, 1), round(latest, 1)]
        for station, before, latest in falling_stations(meeting.organisation, since)
    ]
    headings = [_("Station"), _("Previous score"), _("Latest score")]
    return [Section(_("Stations with falling scores"), headings, rows)]


SECTIONS: list[Callable[[Meeting], list[Section]]] = [
    brief_sections,
    falling_score_sections,
    overdue_sections,
    repeated_report_sections,
]


def record(meeting: Meeting) -> list[Section]:
    return [section for make in SECTIONS for section in make(meeting)]
