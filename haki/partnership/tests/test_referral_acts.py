"""A police referral completed with SEEN is a positive act of the station where the
referring officer was posted on the day of the referral, counted once."""

import datetime

from django.urls import reverse

from conftest import verified_client
from haki.core.roles import Role
from haki.partnership.acts import count_police_referral
from haki.partnership.cases import evaluation
from haki.partnership.models import Ally, ReferralAct, Station
from haki.partnership.tests.factories import officer, station
from haki.referrals.models import Referral, Service, ServiceKind
from haki.referrals.tests.conftest import network, services  # noqa: F401

D = datetime.date


def positives(org) -> dict[str, tuple[int, int]]:
    return {name: (pos, refs) for name, _abuses, pos, refs in evaluation(org)["stations"]}


def police_ally(net, number: str) -> Ally:
    ally = officer(net.org, number)
    ally.responder = net.responders["eshe"]
    ally.save()
    return ally


def refer_and_confirm(net) -> Referral:
    net.text(net.responders["eshe"].phone, "REFER lawyer")
    referral = Referral.objects.get(organisation=net.org, status="requested")
    net.text("+254190500003", f"SEEN {referral.code}")
    referral.refresh_from_db()
    assert referral.status == "completed"
    return referral


def test_a_police_referral_completed_by_sms_counts_for_the_officers_station(network, services):  # noqa: F811
    central = station(network.org, "KSM-CPS", network.areas["central"])
    elsewhere = station(network.org, "KSM-EPS", network.areas["east"])
    ally = police_ally(network, "KP1")
    ally.move(elsewhere, D(2020, 1, 1))
    ally.move(central, D(2021, 1, 1))
    assert positives(network.org) == {}
    referral = refer_and_confirm(network)
    assert positives(network.org) == {"Station KSM-CPS": (1, 1)}
    # Replaying the hook, or the service texting SEEN again, counts nothing more.
    count_police_referral(referral)
    network.text("+254190500003", f"SEEN {referral.code}")
    assert ReferralAct.objects.get().station == central
    assert positives(network.org) == {"Station KSM-CPS": (1, 1)}
    refer_and_confirm(network)
    assert positives(network.org) == {"Station KSM-CPS": (2, 2)}


def test_an_officer_with_no_station_completes_referrals_and_nothing_is_counted(network, services):  # noqa: F811
    ally = police_ally(network, "KP2")
    refer_and_confirm(network)
    ally.move(None, D(2020, 1, 1))  # left the force: no station either
    refer_and_confirm(network)
    assert not ReferralAct.objects.exists() and positives(network.org) == {}
    network.responders["eshe"].ally.delete()
    refer_and_confirm(network)  # a police responder who is no ally at all
    assert not ReferralAct.objects.exists()


def test_the_station_page_of_does_training_work_shows_referrals(world):
    a = world["a"]
    place = station(a.org, "C9", a.central)
    service = Service(
        organisation=a.org,
        name="Clinic",
        kind=ServiceKind.of(a.org).get(key="drop_in"),
        area=a.central,
    )
    service.save()
    referral = Referral.make(a.org, service, referrer_type="police")
    ReferralAct.objects.create(organisation=a.org, referral=referral, station=place)
    client = verified_client(a.users[Role.COORDINATOR])
    body = client.get(reverse("partnership:evaluation")).content.decode()
    row = body.split("Station C9")[1].split("</tr>")[0]
    assert row.count("<td>1</td>") == 2  # one positive act, of which one referral
    assert Station.objects.get(pk=place.pk).referral_acts.count() == 1


def test_the_demo_counts_its_police_referral_and_names_a_co_trainer(db):
    from importlib import resources

    from haki import provisioning
    from haki.partnership.demo import demo_co_trainers
    from haki.partnership.models import Facilitator
    from haki.referrals.demo import demo_referrals

    demo = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()
    org, _ = provisioning.apply(provisioning.load(demo))
    demo_referrals(org)
    # Demo Officer Eshe made the completed police referral, posted at the district command.
    assert positives(org) == {"Kisumu District Command": (1, 1)}
    assert demo_co_trainers(org) == demo_co_trainers(org) == 1
    (named,) = Facilitator.objects.filter(training__organisation=org, member__isnull=False)
    assert named.member.alias == "Zawadi" and named.training.name == "Rights and policing"


def test_a_referral_counts_for_the_station_of_the_day_it_was_made_in_the_organisations_time(
    network,  # noqa: F811
    services,  # noqa: F811
):
    central = station(network.org, "KSM-CPS", network.areas["central"])
    elsewhere = station(network.org, "KSM-EPS", network.areas["east"])
    ally = police_ally(network, "KP3")
    ally.move(elsewhere, D(2020, 1, 1))
    ally.move(central, D(2021, 7, 1))
    referral = refer_and_confirm(network)
    ReferralAct.objects.all().delete()
    # 22:30 UTC on 30 June is already 1 July in Kisumu (UTC+3): he was at central.
    referral.requested_on = datetime.datetime(2021, 6, 30, 22, 30, tzinfo=datetime.UTC)
    referral.save(update_fields=["requested_on"])
    assert count_police_referral(referral).station == central
    ReferralAct.objects.all().delete()
    referral.requested_on = datetime.datetime(2021, 6, 30, 12, 0, tzinfo=datetime.UTC)
    referral.save(update_fields=["requested_on"])
    assert count_police_referral(referral).station == elsewhere
