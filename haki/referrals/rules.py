"""Who may do what with services, referrals and entitlement applications."""

import rules

from haki.core.roles import MANAGERS, PEOPLE_WORKERS, Role
from haki.core.rules import role_in

# Coordinators keep the directory; people workers refer and follow applications; a
# service provider confirms its own service's referrals and sees nothing else.
rules.add_perm("referrals.manage_services", role_in(*MANAGERS))
rules.add_perm("referrals.refer", role_in(*PEOPLE_WORKERS))
rules.add_perm("referrals.view_entitlements", role_in(*PEOPLE_WORKERS))
rules.add_perm("referrals.confirm", role_in(Role.SERVICE_PROVIDER))
