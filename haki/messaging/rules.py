import rules

from haki.core.roles import MANAGERS, PEOPLE_WORKERS, Role
from haki.core.rules import role_in

rules.add_perm("messaging.view_log", role_in(*MANAGERS))
rules.add_perm("messaging.view_numbers", role_in(Role.OWNER))
rules.add_perm("messaging.view_inbox", role_in(*PEOPLE_WORKERS))
