import rules

from haki.core.roles import MANAGERS, Role
from haki.core.rules import role_in

# Cases name members' experiences: only those who document them. Police allies and
# analysts see cases only as suppressed aggregates in briefs.
DOCUMENTERS = (Role.OWNER, Role.COORDINATOR, Role.CASEWORKER)

rules.add_perm("cases.view_case", role_in(*DOCUMENTERS))
rules.add_perm("cases.add_case", role_in(*DOCUMENTERS))
rules.add_perm("cases.change_case", role_in(*DOCUMENTERS))
rules.add_perm("cases.view_patterns", role_in(*MANAGERS))
rules.add_perm("cases.manage_taxonomy", role_in(*MANAGERS))
rules.add_perm("cases.export_cases", role_in(*MANAGERS))
rules.add_perm("cases.import_cases", role_in(*MANAGERS))
