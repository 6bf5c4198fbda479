"""Cases that name officers and stations, and what they show about training."""

from __future__ import annotations

from haki.core.models import Organisation
from haki.partnership.models import Ally, CaseOfficer


def officer_index(organisation: Organisation, ally: Ally) -> str:
    return organisation.keyring.index(str(ally.uuid))


def name_officer(case, ally: Ally) -> CaseOfficer:
    """Link ``ally`` to ``case`` (once)."""
    org = case.organisation
    found = CaseOfficer.objects.filter(case=case, ally_index=officer_index(org, ally)).first()
    if found:
        return found
    link = CaseOfficer(organisation=org, case=case)
    link.ally_ref = str(ally.uuid)
    link.save()
    return link


def relink_case_officers(old: Ally, new: Ally) -> None:
    """After a merge: cases that named ``old`` name ``new`` (once)."""
    org = old.organisation
    old_index, new_index = officer_index(org, old), officer_index(org, new)
    already = set(
        CaseOfficer.objects.filter(organisation=org, ally_index=new_index).values_list(
            "case_id", flat=True
        )
    )
    for link in CaseOfficer.objects.filter(organisation=org, ally_index=old_index):
        if link.case_id in already:
            link.delete()
        else:
            link.ally_ref = str(new.uuid)
            link.save()


def evaluation(org: Organisation) -> dict:
    """Inside the organisation: repeated reports about one officer, officers who
    consistently help, and abuses and positive acts by station and by whether the
    officer named had been trained on the day it happened. Links are matched to
    officers by their HMAC index: nothing is decrypted to count."""
    from collections import Counter, defaultdict

    from haki.cases.models import CaseViolation
    from haki.partnership.coverage import History
    from haki.partnership.models import CaseStation, ReferralAct

    allies = {officer_index(org, a): a for a in Ally.objects.filter(organisation=org)}
    kinds: dict[int, set[str]] = defaultdict(set)
    for case, kind in CaseViolation.objects.filter(organisation=org).values_list(
        "case_id", "violationtype__kind"
    ):
        kinds[case].add(kind)
    history = History.load(org)
    abuses, helps = Counter(), Counter()
    by_training = {True: Counter(), False: Counter()}
    links = CaseOfficer.objects.filter(organisation=org).values_list(
        "ally_index", "case_id", "case__occurred_on"
    )
    for index, case, day in links:
        ally = allies.get(index)
        if ally is None:
            continue
        trained = history.trained(ally.pk, day)
        for kind in kinds.get(case, ()):
            by_training[trained][kind] += 1
            (abuses if kind == "abuse" else helps)[ally.pk] += 1
    by_station: dict[int, Counter] = defaultdict(Counter)
    for station, case in CaseStation.objects.filter(station__organisation=org).values_list(
        "station_id", "case_id"
    ):
        for kind in kinds.get(case, ()):
            by_station[station][kind] += 1
    for station in ReferralAct.objects.filter(organisation=org).values_list("station", flat=True):
        by_station[station]["positive"] += 1  # a completed police referral
        by_station[station]["referrals"] += 1
    named = {a.pk: a for a in allies.values()}
    return {
        "repeated": [(named[pk], n) for pk, n in abuses.most_common() if n >= 2],
        "helpers": [(named[pk], n) for pk, n in helps.most_common() if n >= 2],
        "trained": by_training[True],
        "untrained": by_training[False],
        "stations": [
            (history.stations[pk][2], counts["abuse"], counts["positive"], counts["referrals"])
            for pk, counts in sorted(by_station.items(), key=lambda kv: -sum(kv[1].values()))
        ],
    }


def link_units(org: Organisation) -> int:
    """Cases whose free-text unit is a station's code or name (whatever the case and
    spacing) are linked to that station; returns how many were linked."""
    from haki.cases.models import Case
    from haki.partnership.models import CaseStation, Station

    def key(text: str) -> str:
        return " ".join(text.lower().split())

    stations: dict[str, int] = {}
    for pk, code, name in Station.objects.filter(organisation=org).values_list(
        "pk", "code", "name"
    ):
        stations.setdefault(key(name), pk)
        stations[key(code)] = pk  # a code wins over a name
    cases = Case.objects.filter(organisation=org, station_link__isnull=True).exclude(unit="")
    links = [
        CaseStation(case_id=pk, station_id=stations[key(unit)])
        for pk, unit in cases.values_list("pk", "unit")
        if key(unit) in stations
    ]
    CaseStation.objects.bulk_create(links, batch_size=500)
    return len(links)
