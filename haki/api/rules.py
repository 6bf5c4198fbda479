import rules

from haki.core.roles import Role
from haki.core.rules import role_in

# Only owners hand out keys to the organisation's figures.
rules.add_perm("api.manage_tokens", role_in(Role.OWNER))
