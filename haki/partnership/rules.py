import rules

from haki.cases.rules import DOCUMENTERS
from haki.core.roles import MANAGERS, Role
from haki.core.rules import role_in

# Coordinators run the partnership; caseworkers record who attended a training; a
# police ally who signs in sees their own training record and nothing about members.
ATTENDANCE_KEEPERS = (*MANAGERS, Role.CASEWORKER)

rules.add_perm("partnership.manage", role_in(*MANAGERS))
rules.add_perm("partnership.view_coverage", role_in(*MANAGERS))
rules.add_perm("partnership.view_trainings", role_in(*ATTENDANCE_KEEPERS))
rules.add_perm("partnership.record_attendance", role_in(*ATTENDANCE_KEEPERS))
rules.add_perm("partnership.view_own_record", role_in(Role.POLICE_ALLY))
rules.add_perm("partnership.name_officers", role_in(*DOCUMENTERS))

# Station monitoring and recognition: coordinators manage checklists, rounds,
# nominations and decisions; caseworkers record visits. Police allies see none of it.
VISIT_RECORDERS = (*MANAGERS, Role.CASEWORKER)

rules.add_perm("partnership.manage_monitoring", role_in(*MANAGERS))
rules.add_perm("partnership.record_visits", role_in(*VISIT_RECORDERS))
rules.add_perm("partnership.recognise", role_in(*MANAGERS))
