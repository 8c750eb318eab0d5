"""The person-level SEN2 return written from the fixture extract's warehouse (tests/fixtures/indicators/local/,
see tests/unit/test_sen2.py for the records) validates against the community XSD in data/published/sen2_samples,
and holds, as of the January 2025 census day (16 January 2025), the children and records counted here by hand."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from indicators import sen2_xml
from indicators.engine import Engine, NotPermitted
from indicators.testing import fixture_warehouse
from indicators.vocabulary import Audience

XSD = Path(__file__).resolve().parents[2] / "data" / "published" / "sen2_samples" / "sen2_schema_2026.xsd"
XS = "{http://www.w3.org/2001/XMLSchema}"
# The community schema's known mistakes (data/published/sen2_samples/README.md): patterns written with ^...$
# (literal characters in XSD, so no URN or UKPRN can match), a ULN of 8 digits (DfE's has 10) and an LA list
# that stops at 3xx (LEA, Exported, TransferLA).
KNOWN_FAULTS = ("'URN'", "'UKPRN'", "'UniqueLearnerNumber'", "'LEA'", "'Exported'", "'TransferLA'")


def corrected_schema() -> etree.XMLSchema:
    """The schema with only its known mistakes put right: anchors dropped, a ULN of 10 digits, any 3-digit LA."""
    tree = copy.deepcopy(etree.parse(str(XSD)))
    for pattern in tree.iter(f"{XS}pattern"):
        value = pattern.get("value")
        pattern.set("value", value.removeprefix("^").removesuffix("$").replace("[0-9]{7}", "[0-9]{9}"))
    la = tree.find(f".//{XS}simpleType[@name='exportedandleatype']/{XS}restriction")
    for item in la.findall(f"{XS}enumeration"):
        la.remove(item)
    etree.SubElement(la, f"{XS}pattern", value=r"\d{3}")
    return etree.XMLSchema(tree)


@pytest.fixture(scope="module")
def engine():
    opened = Engine(fixture_warehouse())
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def written(engine) -> tuple[etree._Element, list[str]]:
    body, ids = sen2_xml.message(engine, 2025, user="test", created=datetime(2025, 1, 20, 9, 0))
    return etree.fromstring(body), ids


def test_it_validates_against_the_schema(written):
    root, _ = written
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    schema.validate(root)
    assert [e.message for e in schema.error_log if not any(k in e.message for k in KNOWN_FAULTS)] == []
    corrected = corrected_schema()
    assert corrected.validate(root), [e.message for e in corrected.error_log][:5]


def test_the_corrected_schema_still_refuses_a_bad_code(written):
    root = copy.deepcopy(written[0])
    root.find(".//SENtype").text = "XYZ"
    assert not corrected_schema().validate(root)


def test_the_header(written):
    root, _ = written
    assert root.findtext("Header/CollectionDetails/Year") == "2025"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2025-01-16"  # third Thursday of January
    assert root.findtext("Header/Source/LEA") == "801"  # Bristol
    assert [root.findtext(f"Header/Source/{t}") for t in ("DMO", "DCO", "DSCO")] == ["Y", "Y", "Y"]  # published 2025


def test_the_children_and_records_of_the_year(written):
    root, ids = written
    # activity from 1 January 2024 (P1-P4, P7, P9, P10), a plan open on the census day (P5) or ceased in 2024
    # (P6); P8's request came on 1 March 2025, after the census day
    assert sorted(ids) == sorted(["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P9", "P10"])
    persons = {p.findtext("Surname"): p for p in root.iter("Person")}
    assert len(persons) == 9 and "Testeight" not in persons
    assert len(list(root.iter("Requests"))) == 9
    assert len(list(root.iter("NamedPlan"))) == 6  # N1-N6
    six = persons["Testsix"].find("Requests/Assessment/NamedPlan")
    assert (six.findtext("CeaseDate"), six.findtext("CeaseReason")) == ("2024-09-30", "2")
    five = persons["Testfive"].find("Requests/ActivePlans")
    # P5's college place ended on 30 June 2024, then NEET from 1 July 2024
    assert [p.findtext("SENSetting") or p.findtext("UKPRN") for p in five.iter("PlacementDetail")] == [
        "10000005", "NEET"]
    assert [n.findtext("SENtype") for n in five.iter("SENneed")] == ["DS"]
    assert persons["Testseven"].findtext("Requests/RequestOutcome") == "N"
    assert persons["Testone"].find("Requests/ActivePlans/SENneed[2]").findtext("SENtype") == "SLCN"


def test_what_came_after_the_census_day_is_not_there(engine):
    # the January 2024 return (census 18 January 2024): R1 (received 10 January) had no decision yet; plans
    # N1-N4 did not exist; N5 and N6 were open, N6 not yet ceased
    body, ids = sen2_xml.message(engine, 2024, user="test", created=datetime(2024, 1, 20))
    root = etree.fromstring(body)
    assert sorted(ids) == ["P1", "P5", "P6"]
    persons = {p.findtext("Surname"): p for p in root.iter("Person")}
    one = persons["Testone"].find("Requests")
    assert (one.findtext("RequestOutcome"), one.findtext("RequestOutcomeDate"), one.find("Assessment")) == (
        "A", None, None)
    assert persons["Testsix"].find("Requests/Assessment/NamedPlan").findtext("CeaseDate") is None
    assert [p.findtext("UKPRN") for p in persons["Testfive"].iter("PlacementDetail")] == ["10000005"]
    assert corrected_schema().validate(root)


def test_the_records_are_for_officers_only(engine):
    with pytest.raises(NotPermitted):
        engine.return_records(Audience.PARTNER, user="test")
