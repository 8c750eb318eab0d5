"""Children by NHS sub-ICB location, against figures worked out by hand.

The fixture extract (see test_engine_local.py) with its children moved house, so that each way of placing a
child in a sub-ICB location is used once or more. The bundled lookups place a ward in its council area
(dim_ward) and the area in the sub-ICB location(s), former CCGs, that serve it (la_nhs):

  child  ward                                   council (sub-ICB locations in la_nhs)    sub-ICB location shown
  P1 P2  E05010885 Ashley                        Bristol (15C)                            NHS Bristol, North Somerset and
  P9 P10 E05010887 Bedminster                                                             South Gloucestershire ICB - 15C
  P3     E05012104 Bitton & Oldland Common       South Gloucestershire (15C)              the same: outside Bristol, same location
  P4     E05014339 Bishop's Hull & Taunton West  Somerset (11X; ONS E06000066 is DfE's    NHS Somerset ICB - 11X
                                                 E10000027 in la_nhs, matched on LA 933)
  P5     E05008989 Aldershot Park                Hampshire (D4U1Y, D9Y0V)                 Hampshire: several sub-ICB locations
  P6     E05014171 Aspatria                      Cumberland (not in la_nhs: new in 2023)  Cumberland: not in the NHS lookup
  P7     none recorded                                                                    No ward recorded
  P8     E05999999 (not a ward in the lookup)                                             No ward recorded

Requests received in 2024 (R5, R6 are before coverage): R1 P1, R2 P2, R3 P3, R4 P4, R7 P7, R9 P9, R10 P10.
Plans open at the census of 16 January 2025: N1-N5 (P1-P5); of 18 January 2024: N5 (P5), N6 (P6).
Plans issued in 2024 within 20 weeks: A1 (P1) on time, A2 (P2) and A4 (P4) late; A3 left out (mediation).
"""

from __future__ import annotations

import shutil

import pytest

from indicators.cache import SimpleCache
from indicators.engine import Engine
from indicators.testing import FIXTURE_DIR, build_warehouse
from indicators.vocabulary import Audience

LA = "E06000023"
BNSSG = "NHS Bristol, North Somerset and South Gloucestershire ICB - 15C"
SOMERSET = "NHS Somerset ICB - 11X"
HAMPSHIRE = "Hampshire: several sub-ICB locations"
CUMBERLAND = "Cumberland: not in the NHS lookup"
NO_WARD = "No ward recorded"

RESIDENCE = """person_id,ward_code,school_urn,looked_after,child_in_need
P1,E05010885,100001,0,0
P2,E05010885,100002,1,0
P3,E05012104,100003,0,0
P4,E05014339,,0,1
P5,E05008989,,0,0
P6,E05014171,100001,0,0
P7,,100001,0,0
P8,E05999999,100001,0,0
P9,E05010887,100003,0,0
P10,E05010885,100003,0,0
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sub-icb")
    extract = folder / "extract"
    shutil.copytree(FIXTURE_DIR, extract)
    (extract / "residence.csv").write_text(RESIDENCE, encoding="utf-8")
    engine = Engine(build_warehouse(folder / "warehouse.duckdb", [extract]), cache=SimpleCache())
    yield engine
    engine.close()


def _rows(engine, indicator, period, audience=Audience.OFFICER) -> dict[str, tuple]:
    frame = engine.result(indicator, LA, audience, breakdown="sub_icb", period=period, official=False).frame
    return {r.breakdown_value: (r.numerator, r.denominator, r.value, r.status)
            for r in frame.itertuples() if r.breakdown == "sub_icb"}


def test_requests_by_sub_icb_location(engine):
    rows = _rows(engine, "ehcp_requests", "2024")
    assert {k: v[0] for k, v in rows.items()} == {BNSSG: 5, SOMERSET: 1, NO_WARD: 1}  # P1 P2 P3 P9 P10; P4; P7


@pytest.mark.parametrize("period, expected", [
    ("202425", {BNSSG: 3, SOMERSET: 1, HAMPSHIRE: 1}),  # P1 P2 P3; P4; P5
    ("202324", {HAMPSHIRE: 1, CUMBERLAND: 1}),  # P5; P6
])
def test_caseload_by_sub_icb_location(engine, period, expected):
    assert {k: v[0] for k, v in _rows(engine, "ehcp_caseload", period).items()} == expected


def test_a_percentage_by_sub_icb_location(engine):
    rows = _rows(engine, "ehcp_issued_20wk", "2024")
    assert rows[BNSSG][:3] == (1, 2, 50.0)  # A1 on time, A2 late
    assert rows[SOMERSET][:3] == (0, 1, 0.0)  # A4 late
    assert set(rows) == {BNSSG, SOMERSET}


def test_ceased_plans_by_sub_icb_location(engine):
    assert {k: v[0] for k, v in _rows(engine, "ehcp_ceased", "2024").items()} == {CUMBERLAND: 1}  # N6, P6


def test_partners_and_the_public_see_no_small_sub_icb_count(engine):
    # 5 children (1 to 3 a location): the total is under the partner's 6 and the public's 10, so it is hidden,
    # and the locations' counts would give it back, so none is shown (as for wards)
    for audience in (Audience.PARTNER, Audience.PUBLIC):
        frame = engine.result("ehcp_caseload", LA, audience, breakdown="sub_icb", period="202425",
                              official=False).frame
        shown = frame[frame["status"] == "value"]
        assert shown.empty and len(frame) >= 1
        assert frame["numerator"].isna().all() and frame["value"].isna().all()


def test_sub_icb_is_offered_to_partners_where_it_makes_sense(engine):
    catalogue = engine.catalogue
    offered = {i.id for i in catalogue if i.local and "sub_icb" in engine.breakdowns_for(i, "local", Audience.PARTNER)}
    assert {"ehcp_caseload", "ehcp_requests", "ehcp_issued_20wk", "health_advice_6wk"} <= offered
    # not for schools, nor for rates per head of a population the lookups cannot split by sub-ICB location
    assert not offered & {"settings_good_outstanding", "sen_prevalence_school", "ehcp_rate_0_25", "send_appeals_rate"}

