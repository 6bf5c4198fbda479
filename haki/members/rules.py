import rules

from haki.core.roles import MANAGERS
from haki.core.rules import role_in

rules.add_perm("members.import_members", role_in(*MANAGERS))
