import rules
from django.conf import settings

from haki.core.roles import PEOPLE_WORKERS
from haki.core.rules import role_in


@rules.predicate
def simulator_on() -> bool:
    """Only with the demo and development settings (``HAKI_SIMULATOR``)."""
    return bool(getattr(settings, "HAKI_SIMULATOR", False))


# Those who work with members' texts anyway; never police allies or analysts.
rules.add_perm("simulator.use", simulator_on & role_in(*PEOPLE_WORKERS))
