import pytest
from django.core.management import call_command

from haki.core import crypto
from haki.core.models import Organisation
from haki.members.models import Member


def test_encrypted_phone_reads_back_and_is_found_by_any_national_format(world):
    org = world["a"].org
    member = Member.objects.get(pk=world["a"].member.pk)
    assert member.phone == "+254190100001"
    assert "190100001" not in member.phone_sealed
    for written in ["+254 190 100 001", "0190100001", "254190100001", "(0190) 100-001"]:
        assert list(Member.objects.with_phone(org, written)) == [member]


def test_the_same_number_in_two_organisations_has_unrelated_ciphertext_and_index(world):
    a, b = world["a"], world["b"]
    other = Member(organisation=b.org, alias="x", area=b.central, language="en")
    other.phone = world["a"].member.phone
    other.save()
    assert other.phone_index != a.member.phone_index
    assert Member.objects.with_phone(b.org, "+254190100001").get() == other


def test_a_database_without_the_master_key_cannot_read_anything(world, settings):
    settings.HAKI_MASTER_KEYS = [crypto.generate_key()]
    crypto.forget_keyrings()
    member = Member.objects.get(pk=world["a"].member.pk)
    with pytest.raises(crypto.KeysUnavailable):
        _ = member.phone


def test_rotating_keys_re_encrypts_and_keeps_everything_readable(world, settings):
    org = world["a"].org
    before = Member.objects.get(pk=world["a"].member.pk).phone_sealed
    new_master = crypto.generate_key()
    settings.HAKI_MASTER_KEYS = [new_master, *settings.HAKI_MASTER_KEYS]
    crypto.forget_keyrings()
    call_command("rotate_keys", "--org", org.slug)
    settings.HAKI_MASTER_KEYS = [new_master]  # the old master key is retired
    crypto.forget_keyrings()
    member = Member.objects.get(pk=world["a"].member.pk)
    assert member.phone_sealed != before
    assert member.phone == "+254190100001"
    assert member.codewords == ["BLUEGIRAFFE"]
    assert Member.objects.with_phone(Organisation.objects.get(pk=org.pk), "0190100001").exists()
    # Cases and their attachments (binary) are re-encrypted too.
    from haki.cases.models import Attachment, Case

    attachment = Attachment.objects.get(pk=world["a"].attachment.pk)
    assert attachment.content == b"%PDF-1.4 charge sheet"
    assert Case.objects.get(pk=world["a"].case.pk).narrative == "org-a was taken to the cells"


def test_shredding_makes_one_organisation_unreadable_and_leaves_the_other(world):
    call_command("shred_organisation", "org-a", "--yes-destroy-all-personal-data")
    member_a = Member.objects.get(pk=world["a"].member.pk)
    with pytest.raises(crypto.KeysUnavailable):
        _ = member_a.phone
    assert Member.objects.get(pk=world["b"].member.pk).phone == "+996900100001"
    assert Member.objects.filter(organisation__slug="org-a").count() == 1  # counts remain
    from haki.cases.models import Attachment

    with pytest.raises(crypto.KeysUnavailable):
        _ = Attachment.objects.get(pk=world["a"].attachment.pk).content


def test_shredding_refuses_without_explicit_confirmation(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot be undone"):
        call_command("shred_organisation", "org-a")
    assert Member.objects.get(pk=world["a"].member.pk).phone == "+254190100001"


def test_erasing_a_member_removes_identifying_data_but_keeps_the_count(world):
    member = world["a"].member
    member.erase(actor="sms")
    member = Member.objects.get(pk=member.pk)
    assert member.phone == "" and member.phone_index is None and member.codewords == []
    assert member.alias.startswith("erased-")
    assert member.area == world["a"].central
    assert Member.objects.filter(organisation=world["a"].org).count() == 1
