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
