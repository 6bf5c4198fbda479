from __future__ import annotations

import pytest

from haki.crisis.tests.conftest import Network, member, network, responder  # noqa: F401
from haki.referrals.models import Service, ServiceKind


def service(net: Network, name: str, kind: str, area: str, confirm=(), **values) -> Service:
    place = Service(
        organisation=net.org,
        name=name,
        kind=ServiceKind.of(net.org).get(key=kind),
        area=net.areas[area],
        address=values.pop("address", "Oginga Odinga Rd"),
        hours=values.pop("hours", "Mon-Fri 8-17"),
        **values,
    )
    place.save()
    place.set_confirm_phones(list(confirm))
    return place


@pytest.fixture
def services(network):  # noqa: F811
    return {
        "clinic": service(network, "Lake Clinic", "drop_in", "central", ["+254190500001"]),
        "msat": service(network, "East MAT", "opioid_substitution", "east", ["+254190500002"]),
        "legal": service(network, "Haki Legal", "legal_aid", "root", ["+254190500003"]),
    }
