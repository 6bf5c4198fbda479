"""Every role lands on a page that says what it can do here and links to it; a page
refused says why and where to go instead."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import verified_client
from haki.core.context_processors import NAVIGATION
from haki.core.roles import Role
from haki.crisis.models import AlertRecipient


@pytest.mark.parametrize("role", Role.values)
def test_every_role_lands_on_a_home_page_that_links_to_what_it_can_do(world, role):
    user = world["a"].users[role]
    client = verified_client(user)
    page = client.get(reverse("core:home")).content.decode()
    links = [
        reverse(name)
        for name, _label, perm, _ in NAVIGATION
        if name != "core:home" and user.has_perm(perm, world["a"].org)
    ]
    assert 'class="purpose"' in page  # what this role is here for, in a sentence
    for link in links:
        assert f'href="{link}"' in page
        assert client.get(link).status_code == 200


def test_a_police_allys_home_lists_the_alerts_referred_to_them(world):
    user = world["a"].users[Role.POLICE_ALLY]
    client = verified_client(user)
    page = client.get(reverse("core:home")).content.decode()
    assert "Alerts referred to you" in page and "None yet." in page
    responder = world["a"].responder
    responder.user = user
    responder.save()
    AlertRecipient.objects.create(alert=world["a"].alert, responder=responder, tier="police_ally")
    page = client.get(reverse("core:home")).content.decode()
    url = reverse("crisis:alert", kwargs={"alert": world["a"].alert.uuid})
    assert f'href="{url}"' in page
    assert client.get(url).status_code == 200


def test_a_refused_page_says_why_and_where_to_go(world):
    client = verified_client(world["a"].users[Role.ANALYST])
    response = client.get(reverse("cases:patterns"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your role here, Analyst, does not give access to this page" in page
    assert f'href="{reverse("reports:brief")}"' in page
