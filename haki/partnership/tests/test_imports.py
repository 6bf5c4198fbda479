import datetime
import io

import pytest

from haki.core.importing import ImportRejected, run_import
from haki.crisis.models import Responder
from haki.partnership.coverage import History, coverage
from haki.partnership.models import Ally, Attendance, Posting, Training
from haki.partnership.tests.factories import station

D = datetime.date


def load(org, kind: str, text: str) -> int:
    return run_import(kind, org, io.BytesIO(text.encode()), f"{kind}.csv", "tester")


@pytest.fixture
def org(world):
    a = world["a"]
    north = a.central.__class__.objects.create(
        organisation=a.org, code="NOR", name="North", parent=a.central
    )
    station(a.org, "C1", a.central, 10, D(2025, 1, 1))
    station(a.org, "N1", north, 20, D(2025, 1, 1))
    station(a.org, "FAR", a.central.parent, 5, D(2025, 1, 1))
    return a


OFFICERS = """name,service_number,rank,station,roles,phone,posted_on
Officer A,KP001,Inspector,C1,district_focal_point,+254190300001,2025-01-10
Officer B,KP002,Constable,Station N1,,,2025-02-01
Officer C,KP003,Constable,FAR,,,2025-02-01
Officer D,KP004,Constable,N1,,,2025-03-01
"""
MOVES = """name,service_number,rank,station,roles,phone,posted_on
,KP002,,FAR,,,2025-09-01
,KP003,,C1,,,2025-10-01
,KP004,,left,,,2025-11-01
"""
ATTENDANCE = """training,date,kind,hours,service_number,pre_score,post_score
Rights 1,2025-04-01,in_service,8,KP001,40,70
Rights 1,2025-04-01,in_service,8,KP002,50,60
Rights 1,2025-04-01,in_service,8,KP004,,
Rights 2,2025-06-01,in-service,6,KP001,60,90
Rights 2,2025-06-01,in-service,6,KP003,30,80
"""


def test_coverage_from_imported_data_matches_counting_by_hand(org):
    assert load(org.org, "officers", OFFICERS) == 4
    assert load(org.org, "attendance", ATTENDANCE) == 5
    assert load(org.org, "officers", MOVES) == 3
    assert Posting.objects.filter(organisation=org.org).count() == 7
    moved = Ally.objects.get(service_number_index=org.org.keyring.index("KP002"))
    assert (moved.name, moved.rank) == ("Officer B", "Constable")  # blank cells keep them
    assert Training.objects.filter(organisation=org.org).count() == 2
    history = History.load(org.org)
    # Central holds C1 and N1 (North is below it); FAR is above, outside.
    before = coverage(history, org.central, D(2025, 8, 1))
    # Posted: A (C1), B (N1), D (N1); trained by then: A (twice), B, D.
    assert (before.posted, before.trained, before.force_size) == (3, 3, 30)
    assert before.pct == 10.0
    after = coverage(history, org.central, D(2025, 12, 1))
    # B moved out to FAR, D left the force, C moved in (trained in June): A and C.
    assert (after.posted, after.trained) == (2, 2)
    assert [row.trained for row in after.stations] == [2, 0]
    assert [row.code for row in after.stations_without_trained] == ["N1"]
    # Gains of officers posted here: A 30 and 30, C 50.
    assert after.mean_gain == round((30 + 30 + 50) / 3, 1)
    a_year_on = coverage(history, org.central, D(2026, 7, 1))
    # Trained and posted here on 2025-07-01: A, B, D; B and D have gone since.
    assert (a_year_on.trained_a_year_ago, a_year_on.transferred_out) == (3, 2)
    everywhere = coverage(history, None, D(2025, 12, 1))
    assert (everywhere.posted, everywhere.trained, everywhere.force_size) == (3, 3, 35)


def test_an_officer_with_a_number_answers_alerts_and_a_focal_point_is_texted_first(org):
    load(org.org, "officers", OFFICERS)
    ally = Ally.objects.get(organisation=org.org, responder__isnull=False)
    assert ally.responder.tier == "police_ally"
    assert ally.responder.first_in_tier
    assert list(ally.responder.areas.all()) == [org.central]
    assert Responder.objects.filter(organisation=org.org, tier="police_ally").count() == 1


def test_importing_the_same_officers_again_changes_nothing(org):
    load(org.org, "officers", OFFICERS)
    load(org.org, "officers", OFFICERS)
    assert Ally.objects.filter(organisation=org.org).count() == 4
    assert Posting.objects.filter(organisation=org.org).count() == 4


@pytest.mark.parametrize(
    "kind,text,row,column",
    [
        ("officers", "service_number,station,posted_on\nKP9,NOWHERE,2025-01-01\n", 2, "station"),
        ("officers", "service_number,station,posted_on\nKP9,C1,01/02/2025\n", 2, "posted_on"),
        ("officers", "service_number,roles\nKP9,chief\n", 2, "roles"),
        ("officers", "service_number,phone\nKP9,12\n", 2, "phone"),
        ("officers", "name,rank\nA,B\n", 1, "service_number"),
        (
            "attendance",
            "training,date,kind,service_number\nT,2025-01-01,in_service,KP404\n",
            2,
            "service_number",
        ),
        (
            "attendance",
            "training,date,kind,service_number,pre_score\nT,2025-01-01,in_service,KP001,101\n",
            2,
            "pre_score",
        ),
        (
            "attendance",
            "training,date,kind,service_number,post_score\nT,2025-01-01,in_service,KP001,-3\n",
            2,
            "post_score",
        ),
        ("attendance", "training,date,kind,service_number\nT,2025-01-01,picnic,KP001\n", 2, "kind"),
    ],
)
def test_bad_rows_are_refused_by_row_and_column_and_nothing_is_written(
    org, kind, text, row, column
):
    load(org.org, "officers", OFFICERS)
    allies, postings = Ally.objects.count(), Posting.objects.count()
    good = "KP001" if kind == "officers" else ""
    with pytest.raises(ImportRejected) as refused:
        load(org.org, kind, text.replace("\n", f"\n{good}", 0))
    assert (refused.value.problems[0].row, refused.value.problems[0].column) == (row, column)
    assert (Ally.objects.count(), Posting.objects.count()) == (allies, postings)
    assert not Attendance.objects.exists()


def test_a_transfer_dated_before_the_current_posting_is_refused(org):
    load(org.org, "officers", OFFICERS)
    with pytest.raises(ImportRejected) as refused:
        load(org.org, "officers", "service_number,station,posted_on\nKP001,N1,2024-12-31\n")
    assert refused.value.problems[0].column == "posted_on"
    assert Posting.objects.filter(organisation=org.org).count() == 4


def test_a_good_row_is_not_kept_when_another_row_is_bad(org):
    text = "service_number,station,posted_on\nKP1,C1,2025-01-01\nKP2,NOPE,2025-01-01\n"
    with pytest.raises(ImportRejected) as refused:
        load(org.org, "officers", text)
    assert [p.row for p in refused.value.problems] == [3]
    assert not Ally.objects.filter(organisation=org.org).exists()
