"""Who sees what in a warehouse of two councils: an officer sees their own council's children and only figures
of the other, protected for the tier they hold there; nobody reaches a child of the other council.

Bristol (the home council, loaded first) is the indicator fixture; Kent is the same children under the same ids
with two more requests: R11 (refused) and R12, still open (received 2 December 2024, no decision by the
reference date, 30 June 2025: in the 2025 return). R12 is therefore a child-level row of Kent alone: it is on Kent's list of open cases and
must never reach anyone through Bristol's.
"""

from __future__ import annotations

import importlib
import json
import shutil

import pandas as pd
import pytest

from tests.identity import client_as
from tests.server import officer_views, tree
from tests.server.conftest import forget_engines

BRISTOL, KENT, HARTLEPOOL = "E06000023", "E10000016", "E06000001"
KENT_ONLY, KENT_ONLY_DATE = "R12", "2024-12-02"
OFFICER_FILES = ["/casework/open-cases.csv", "/casework/open-cases.xlsx", "/casework/performance.csv",
                 "/data-quality/DQ101.csv", "/reconciliation/reconciliation.csv",
                 "/reconciliation/sen2-return.xml?year=2025"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from data.ingest import ingest
    from indicators.testing import FIXTURE_DIR, FIXTURE_REFERENCE_DATE, second_extract

    folder = tmp_path_factory.mktemp("councils")
    shutil.copytree(FIXTURE_DIR, folder / BRISTOL)
    second_extract(folder / KENT)
    with open(folder / KENT / "requests.csv", "a", encoding="utf-8", newline="") as requests:
        requests.write(f"{KENT_ONLY},P3,{KENT_ONLY_DATE},1,0,,,0,0\n")
    for code, old in ((BRISTOL, "801"), (KENT, "886")):
        (folder / code / "MANIFEST.json").write_text(json.dumps({"la": {"new_la_code": code, "old_la_code": old}}))
    path = folder / "warehouse.duckdb"
    ingest([folder / BRISTOL, folder / KENT], path, today=pd.Timestamp(FIXTURE_REFERENCE_DATE), progress=False)
    return path


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_WAREHOUSE", str(warehouse))
    patch.setenv("SEND_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    patch.setenv("SEND_AUDIT_LOG", str(tmp_path_factory.mktemp("audit") / "audit.jsonl"))
    patch.setenv("SEND_REGION_GROUP", f"{BRISTOL},{KENT}")
    forget_engines()
    import app

    module = importlib.reload(app)
    yield module.server
    forget_engines()
    patch.undo()


def test_kents_open_request_is_on_kents_list_alone(warehouse):
    from indicators.engine import Engine
    from indicators.vocabulary import Audience

    engine = Engine(warehouse)
    try:
        kent = engine.for_council(KENT).case_list(Audience.OFFICER, user="test")
        bristol = engine.case_list(Audience.OFFICER, user="test")
    finally:
        engine.close()
    assert KENT_ONLY in set(kent["request_id"])  # so the checks below can fail
    assert KENT_ONLY not in set(bristol["request_id"])


def test_an_officer_of_the_home_council_never_gets_the_other_councils_cases(server):
    client = client_as(server, "officer", BRISTOL)
    page = officer_views.page(client, path="/casework")
    rows = officer_views.grid_rows(page, grid_id="casework-grid")
    assert [row["request_id"] for row in rows] == ["R8"]  # Bristol's one open request (Kent has R8 and R12)
    assert "casework-refused" not in page and KENT_ONLY not in page
    response = client.get("/casework/open-cases.csv")
    assert response.status_code == 200
    assert KENT_ONLY not in response.get_data(as_text=True)


@pytest.mark.parametrize("council", [KENT, HARTLEPOOL], ids=["other council held", "council not held"])
@pytest.mark.parametrize("path", ["/casework", "/data-quality", "/reconciliation"])
def test_an_officer_of_another_council_is_refused_every_officers_page(server, council, path):
    page = officer_views.page(client_as(server, "officer", council), path=path)
    assert "refused" in page and KENT_ONLY not in page
    assert "Child id" not in page


@pytest.mark.parametrize("council", [KENT, HARTLEPOOL], ids=["other council held", "council not held"])
@pytest.mark.parametrize("path", OFFICER_FILES)
def test_an_officer_of_another_council_is_refused_every_download(server, council, path):
    response = client_as(server, "officer", council).get(path)
    assert response.status_code == 403
    assert KENT_ONLY not in response.get_data(as_text=True)


def _table(layout) -> dict[str, dict[str, str]]:
    from tests.server.test_pages import find

    [found] = find(layout, lambda n: getattr(n, "id", None) == "region-table")
    rows = [[" ".join(tree.texts(cell)) for cell in row.children]
            for row in find(found, lambda n: type(n).__name__ == "Tr")]
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def _region(server, role: str, council: str):
    import dash
    import flask

    from tests.identity import user

    entry = next(p for p in dash.page_registry.values() if p["path"] == "/region")
    with server.test_request_context("/region"):
        flask.g.who, flask.g.session_problem = user(role, council), None
        return entry["layout"]()


def test_each_officer_sees_their_own_council_in_full_and_the_other_as_the_public(server):
    seen_by_bristol = _table(_region(server, "officer", BRISTOL))
    assert seen_by_bristol["Bristol, City of"]["Figures shown"] == "in full (officer)"
    assert seen_by_bristol["Kent"]["Figures shown"].startswith("as the public sees them")
    # Bristol's own requests July 2024 - June 2025, counted by hand: R10 and R8
    assert seen_by_bristol["Bristol, City of"]["Requests (12 months)"] == "2 (Jul 2024 to Jun 2025)"
    # Kent's three (R10, R8, R11) are fewer than 10: the public tier never shows them, nor a span of months
    assert seen_by_bristol["Kent"]["Requests (12 months)"] == "not shown (suppressed or none)"
    assert not any("nan" in cell for row in seen_by_bristol.values() for cell in row.values())
    # No plan was issued from a request received July 2024 - June 2025, so the officer's rate is none (not
    # "suppressed": nothing is, for an officer); the table's latest month is the latest settled one
    assert seen_by_bristol["Bristol, City of"]["Plans in 20 weeks (12 settled months)"] == "none (Jul 2024 to Jun 2025)"
    assert seen_by_bristol["Bristol, City of"]["Plans in 20 weeks, latest settled month"] == "Jun 2025: none"
    seen_by_kent = _table(_region(server, "officer", KENT))
    assert seen_by_kent["Kent"]["Figures shown"] == "in full (officer)"
    assert seen_by_kent["Kent"]["Requests (12 months)"] == "4 (Jul 2024 to Jun 2025)"  # R10, R12, R8, R11
    assert seen_by_kent["Bristol, City of"]["Requests (12 months)"].startswith("not shown (suppressed or none)")


def test_the_notes_name_each_tier_once_with_its_councils(server):
    from tests.server.test_pages import find

    [notes] = find(_region(server, "officer", BRISTOL), lambda n: getattr(n, "id", None) == "region-notes")
    assert [" ".join(tree.texts(item)) for item in notes.children] == [
        "Figures shown in full (officer): Bristol, City of.",
        "Figures shown as the public sees them (small numbers suppressed, others rounded to 5): Kent."]


def test_the_regional_view_holds_no_childs_record(server):
    for role, council in (("officer", BRISTOL), ("officer", KENT), ("partner", BRISTOL), (None, BRISTOL)):
        text = " ".join(tree.texts(_region(server, role, council)))
        assert "Councils compared" in text and "Something went wrong" not in text
        assert KENT_ONLY not in text and "P3" not in text


def test_the_home_officers_return_and_fix_lists_hold_no_row_of_the_other_council(server, warehouse):
    from indicators import sen2_xml
    from indicators.engine import Engine

    engine = Engine(warehouse)
    try:  # Kent's own 2025 return holds R12 (the XML names a request by its date), so Bristol's file could
        kents, _ = sen2_xml.message(engine.for_council(KENT), 2025, user="test")
        assert KENT_ONLY_DATE.encode() in kents
        bristols, _ = sen2_xml.message(engine, 2025, user="test")
        assert KENT_ONLY_DATE.encode() not in bristols
    finally:
        engine.close()
    client = client_as(server, "officer", BRISTOL)
    for path in ("/reconciliation/sen2-return.xml?year=2025",
                 "/data-quality/DQ101.csv", "/casework/performance.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert KENT_ONLY not in text and KENT_ONLY_DATE not in text, path


def test_the_latest_published_figures_stand_beside_the_local_ones(server):
    from tests.server.test_pages import find

    [found] = find(_region(server, None, BRISTOL), lambda n: getattr(n, "id", None) == "region-published")
    rows = [[" ".join(tree.texts(cell)) for cell in row.children]
            for row in find(found, lambda n: type(n).__name__ == "Tr")]
    published = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    # DfE's 2024 figures: Bristol 17.3% (118 of 684 plans in 20 weeks), Kent 32.3%
    assert published["Bristol, City of"]["Plans issued in 20 weeks"] == "17.3% (2024)"
    assert published["Kent"]["Plans issued in 20 weeks"] == "32.3% (2024)"
