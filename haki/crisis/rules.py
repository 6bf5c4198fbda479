import rules

from haki.core.roles import MANAGERS, Role
from haki.core.rules import role_in

HOTLINE = (Role.OWNER, Role.COORDINATOR, Role.OPERATOR, Role.CASEWORKER)

rules.add_perm("crisis.view_board", role_in(*HOTLINE))
rules.add_perm("crisis.view_figures", role_in(*MANAGERS))


@rules.predicate
def referred_to_them(user, alert) -> bool:
    """A police ally sees an alert only when it was texted to them, which happens
    only with the member's consent."""
    return alert is not None and alert.recipients.filter(responder__user=user).exists()


@rules.predicate
def hotline_of_its_organisation(user, alert) -> bool:
    return alert is not None and role_in(*HOTLINE)(user, alert.organisation)


rules.add_perm("crisis.view_alert", hotline_of_its_organisation | referred_to_them)
