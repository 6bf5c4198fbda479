from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from haki.core.roles import Role
from haki.credentials.checks import Throttle
from haki.credentials.models import Credential, Issuer


def issue(org, holder="Outreach Holder Zawadi", role="paralegal", days=(-10, 355), **kwargs):
    today = timezone.now().astimezone(org.tzinfo).date()
    return Credential.issue(
        org,
        holder=holder,
        role=role,
        valid_from=today + datetime.timedelta(days=days[0]),
        valid_until=today + datetime.timedelta(days=days[1]),
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _fresh_throttles():
    Throttle.forget()
    yield
    Throttle.forget()


@pytest.fixture
def card(world):
    """A valid card of organisation a, which presents itself as "Community Health Link"."""
    org = world["a"].org
    Issuer.objects.update_or_create(
        organisation=org, defaults={"public_name": "Community Health Link"}
    )
    return issue(org, created_by=world["a"].users[Role.COORDINATOR].username)
