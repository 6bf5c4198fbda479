"""Coordinators issue, print, endorse and revoke cards; the private key and the photo
are encrypted with the organisation's key, re-encrypted by rotation and destroyed by
shredding."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from conftest import verified_client
from haki.core import crypto, keys
from haki.core.models import AuditEvent
from haki.core.roles import Role
from haki.credentials.models import Credential, SigningKey
from haki.credentials.tests.conftest import issue
from haki.credentials.views import verification_path


def photo(size=(900, 1200), fmt="JPEG") -> SimpleUploadedFile:
    out = io.BytesIO()
    image = Image.new("RGB", size, (120, 90, 60))
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerSerial123"  # a camera's make, which must not survive
    image.save(out, format=fmt, exif=exif)
    return SimpleUploadedFile("me.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def coordinator(world):
    return verified_client(world["a"].users[Role.COORDINATOR])


def test_a_coordinator_issues_a_card_with_a_photo_kept_encrypted_and_shown_only_on_the_card(
    world, coordinator
):
    response = coordinator.post(
        reverse("credentials:issue"),
        {
            "holder": "Outreach Holder Imani",
            "role": "outreach_worker",
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
            "photo": photo(),
        },
    )
    assert response.status_code == 302
    credential = Credential.objects.get(organisation=world["a"].org, role="outreach_worker")
    assert credential.holder == "Outreach Holder Imani"
    stored = bytes(credential.photo_sealed)
    assert b"\xff\xd8\xff" not in stored and b"Imani" not in credential.holder_sealed.encode()
    with Image.open(io.BytesIO(credential.photo)) as shown:
        assert max(shown.size) <= 480 and not shown.getexif()
    card = coordinator.get(reverse("credentials:card", args=[credential.uuid])).content.decode()
    assert "data:image/jpeg;base64," in card and "data:image/svg+xml;base64," in card
    assert "Outreach Holder Imani" not in card and credential.display_code in card
    assert AuditEvent.objects.filter(object_ref=str(credential.uuid), action="create").exists()
    verdict = coordinator.get(verification_path(credential)).content.decode()
    assert "data:image/jpeg" not in verdict  # the photo is on the card, never on a check


def test_a_card_that_ends_before_it_starts_or_a_bad_photo_is_refused_with_reasons(coordinator):
    response = coordinator.post(
        reverse("credentials:issue"),
        {
            "holder": "Someone",
            "role": "paralegal",
            "valid_from": "2027-01-01",
            "valid_until": "2026-01-01",
            "photo": SimpleUploadedFile("x.jpg", b"not a picture at all"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "A card cannot end before it starts." in page
    assert "Only JPEG, PNG or WebP photos can be used." in page


def test_revoking_and_endorsing_are_recorded_and_audited(world, coordinator):
    card = world["a"].credential
    coordinator.post(reverse("credentials:endorse", args=[card.uuid]), {"endorser": "Central OCS"})
    coordinator.post(reverse("credentials:revoke", args=[card.uuid]))
    card.refresh_from_db()
    assert card.revoked_on is not None and card.status() == "revoked"
    assert [e.endorser for e in card.endorsements.all()] == ["Central OCS"]
    actions = set(
        AuditEvent.objects.filter(organisation=world["a"].org).values_list("action", flat=True)
    )
    assert {"change", "create"} <= actions
    detail = coordinator.get(reverse("credentials:detail", args=[card.uuid])).content.decode()
    assert "Revoked" in detail and "Revoke this card" not in detail


def test_the_public_name_is_what_cards_and_checks_show(world, coordinator, client):
    coordinator.post(
        reverse("credentials:issuer"),
        {"public_name": "Lakeside Health Outreach", "check_number": ""},
    )
    card = world["a"].credential
    assert "Lakeside Health Outreach" in client.get(verification_path(card)).content.decode()


def test_rotating_keys_reencrypts_the_signing_key_and_cards_still_verify(world, client):
    org = world["a"].org
    key = SigningKey.objects.get(organisation=org)
    before = key.private_sealed
    keys.rotate(org)
    crypto.forget_keyrings()
    key.refresh_from_db()
    assert key.private_sealed != before
    fresh = issue(org)  # signs with the re-encrypted key
    assert fresh.signing_key_id == key.pk
    assert 'data-status="valid"' in client.get(verification_path(fresh)).content.decode()


def test_shredding_destroys_the_signing_key_and_its_cards_stop_verifying(world, client):
    org = world["a"].org
    card = world["a"].credential
    keys.shred(org)
    org.refresh_from_db()
    crypto.forget_keyrings()
    key = SigningKey.objects.get(organisation=org)
    with pytest.raises(crypto.KeysUnavailable):
        key.private_key  # noqa: B018
    assert client.get(verification_path(card)).status_code == 404
    url = reverse("credentials_public:keys", kwargs={"organisation": org.slug})
    assert client.get(url).status_code == 404
