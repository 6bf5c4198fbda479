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

# Joint action plans and review meetings: coordinators manage them; caseworkers see
# plans and record check-ins; a police ally sees the plans they are party to, and
# nothing about members (haki.partnership.models.PlanQuerySet.for_user).
CHECK_IN_RECORDERS = (*MANAGERS, Role.CASEWORKER)
PLAN_READERS = (*CHECK_IN_RECORDERS, Role.POLICE_ALLY)
rules.add_perm("partnership.manage_plans", role_in(*MANAGERS))
rules.add_perm("partnership.view_plans", role_in(*CHECK_IN_RECORDERS))
rules.add_perm("partnership.view_own_plans", role_in(Role.POLICE_ALLY))
rules.add_perm("partnership.open_plans", role_in(*PLAN_READERS))
rules.add_perm("partnership.record_check_in", role_in(*CHECK_IN_RECORDERS))
rules.add_perm("partnership.manage_meetings", role_in(*MANAGERS))
# Station monitoring and recognition: coordinators manage checklists, rounds,
# nominations and decisions; caseworkers record visits. Police allies see none of it.
VISIT_RECORDERS = (*MANAGERS, Role.CASEWORKER)

rules.add_perm("partnership.manage_monitoring", role_in(*MANAGERS))
rules.add_perm("partnership.record_visits", role_in(*VISIT_RECORDERS))
rules.add_perm("partnership.recognise", role_in(*MANAGERS))
