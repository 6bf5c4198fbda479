from importlib import resources

import pytest
from django.utils import timezone

from haki import provisioning
from haki.cases.importer import import_cases
from haki.management.commands.demo import demo_cases
from haki.partnership.demo import demo_monitoring, demo_nomination
from haki.partnership.monitoring import Round

DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()


@pytest.mark.django_db
def test_the_demo_gets_a_monitoring_round_with_visits_and_a_nomination():
    org, _ = provisioning.apply(provisioning.load(DEMO))
    import_cases(org, "demo.csv", demo_cases(timezone.localdate()))
    assert demo_monitoring(org) == 2
    assert demo_monitoring(org) == 0  # once only
    rnd = Round.objects.get(organisation=org)
    assert [s.code for s in rnd.not_visited()] == ["KSM-DC"]
    assert all(score is not None for score in rnd.station_scores().values())
    nomination = demo_nomination(org)
    assert nomination is not None and nomination.cases.count() == 3
    assert demo_nomination(org) is None
