import rules

from haki.core.roles import MANAGERS, PEOPLE_WORKERS
from haki.core.rules import role_in

rules.add_perm("surveys.manage", role_in(*MANAGERS))
rules.add_perm("surveys.follow_up", role_in(*PEOPLE_WORKERS))
