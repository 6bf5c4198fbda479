import rules

from haki.core.roles import MANAGERS, Role
from haki.core.rules import role_in

# Analysts and donors see aggregates only, and only as they would leave the
# organisation: the suppressed brief for police leadership.
rules.add_perm("reports.view_brief", role_in(*MANAGERS, Role.ANALYST))
rules.add_perm("reports.view_internal_brief", role_in(*MANAGERS))

# The Programme page: coordinators see every figure; analysts only what may leave.
rules.add_perm("reports.view_programme", role_in(*MANAGERS, Role.ANALYST))
rules.add_perm("reports.view_internal_figures", role_in(*MANAGERS))
