"""The ``services`` and ``service_kinds`` provisioning sections."""

from __future__ import annotations

import pytest

from haki.core.models import Organisation
from haki.provisioning import ProvisioningError, apply, load
from haki.referrals.models import ConfirmNumber, Service, expiry_days

FILE = """
organisation: {slug: svc-test, name: Service Test, country: KE, timezone: Africa/Nairobi,
               languages: [en, sw]}
areas:
  - {code: KSM, name: Kisumu}
staff:
  - {username: clinic-desk, role: service_provider}
referrals: {expiry_days: 21}
service_kinds:
  - {key: food, name: Food bank, words: {en: [FOOD], sw: [CHAKULA]}}
services:
  - {name: Lake Clinic, kind: drop_in, area: KSM, address: Oginga Odinga Rd, hours: Mon-Fri 8-17,
     phone: "+254190500009", confirm_phones: ["+254190500001", "0190500002"], languages: [sw],
     friendly: true, providers: [clinic-desk]}
  - {name: Central Food, kind: food, area: KSM}
"""


@pytest.mark.django_db
def test_services_are_created_with_sealed_numbers_and_confirming_numbers_found_by_index():
    apply(load(FILE))
    org = Organisation.objects.get(slug="svc-test")
    clinic = Service.objects.get(organisation=org, name="Lake Clinic")
    assert clinic.kind.key == "drop_in" and clinic.friendly and clinic.languages == ["sw"]
    assert "190500009" not in clinic.phone_sealed and clinic.phone == "+254190500009"
    assert sorted(clinic.confirm_phones()) == ["+254190500001", "+254190500002"]
    assert ConfirmNumber.objects.with_phone(org, "0190500002").get().service == clinic
    assert list(clinic.providers.values_list("username", flat=True)) == ["clinic-desk"]
    assert Service.objects.get(organisation=org, name="Central Food").kind.name == "Food bank"
    assert expiry_days(org) == 21


@pytest.mark.django_db
def test_a_second_run_changes_only_what_the_file_names():
    apply(load(FILE))
    org = Organisation.objects.get(slug="svc-test")
    clinic = Service.objects.get(organisation=org, name="Lake Clinic")
    clinic.hours = "Every day 9-17"  # as set on the web
    clinic.save()
    apply(load(FILE.replace("hours: Mon-Fri 8-17,", "")))
    clinic.refresh_from_db()
    assert clinic.hours == "Every day 9-17"


@pytest.mark.django_db
def test_unknown_kinds_areas_and_colliding_words_are_refused_by_line():
    bad = FILE.replace("kind: food", "kind: bakery").replace("[CHAKULA]", "[HELP]")
    with pytest.raises(ProvisioningError) as refused:
        apply(load(bad))
    text = str(refused.value)
    assert "no kind of service 'bakery'" in text
    assert "command words" in text
    assert not Organisation.objects.filter(slug="svc-test").exists()
