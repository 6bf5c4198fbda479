import rules

from haki.core.roles import MANAGERS
from haki.core.rules import role_in

# Coordinators and owners issue, revoke and print cards and record endorsements; the
# holders' names are on the list, so no other role sees it.
rules.add_perm("credentials.manage", role_in(*MANAGERS))
