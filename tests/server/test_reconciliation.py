"""The SEN2 reconciliation through the real app on the Bristol sample: the figures the sample is calibrated on
(data/synth/README.md) come out within the stated tolerance of DfE's published figures in every year both cover;
a flagged figure lists the children behind it (checked against the warehouse's own tables); everyone but an
officer of the sample's council gets an explained panel or a 403 and never a child's record; every view,
download and refusal is in the audit log, with the children when records are listed."""

from __future__ import annotations

import csv
import io
import re
from functools import partial

import dash
import duckdb
import openpyxl
import pandas as pd
import pytest
from lxml import etree

from dashboard import reconciliation, shell
from dashboard.identity import Role
from indicators import sen2
from indicators.engine import Engine
from tests.forbidden import forbidden
from tests.identity import ELSEWHERE, HOME
from tests.server import officer_views, tree
from tests.server.conftest import SAMPLE
from tests.server.officer_views import entries
from tests.unit.test_sen2_xml import corrected_schema

PAGE = reconciliation.PAGE_PATH
page = partial(officer_views.page, path=PAGE)
grid_rows = partial(officer_views.grid_rows, grid_id="reconciliation-records-grid")
CSV = "/reconciliation/reconciliation.csv"
XLSX = "/reconciliation/reconciliation.xlsx"
XML = "/reconciliation/sen2-return.xml"
TRANSFER = "ceased_plans.transfer"  # plans ceased because the child moved to another LA: flagged in 2025


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


@pytest.fixture(scope="module")
def engine():
    opened = Engine(SAMPLE)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def transfers_2024() -> pd.DataFrame:
    """Plans that ceased in 2024 because the child moved to another LA (CeaseReason 5), from the raw tables."""
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        return con.execute("""SELECT r.person_id, r.request_id FROM named_plan np
                              JOIN assessment a USING (assessment_id) JOIN request r USING (request_id)
                              WHERE year(np.cease_date) = 2024 AND np.cease_reason = '5'""").df()


# --- acceptance: the sample's calibrated figures reconcile ---------------------------------------------------

# Calibrated measures DfE published, per reporting year: the census caseload every year (2019-2025); requests
# received and the six 20-week timeliness figures from 2020 (calendar 2019); the 6-week share from 2024
# (calendar 2023); primary need (total and 12 shares) for January 2025 only.
COMPARED = {2019: 1, 2020: 8, 2021: 8, 2022: 8, 2023: 8, 2024: 9, 2025: 22}


def test_the_sample_covers_every_published_year(engine):
    assert sen2.published_years(engine) == list(COMPARED)


@pytest.mark.parametrize("year", list(COMPARED))
def test_calibrated_figures_are_within_tolerance(engine, year):
    rows = sen2.reconcile(engine, year)
    calibrated = rows[rows["calibrated"] & rows["published"].notna()]
    assert len(calibrated) == COMPARED[year]
    for row in calibrated.itertuples():
        # the tolerance stated on the page: 2% of a published count, 2 points of a published percentage
        allowed = 2.0 if row.percent else 0.02 * row.published
        assert abs(row.local - row.published) <= allowed + 1e-9, (row.key, row.local, row.published)
        assert row.beyond is False


def test_published_figures_are_dfes(engine):
    """A few published cells, read from DfE's files by eye (data/published/national/ehcp_2025)."""
    rows = sen2.reconcile(engine, 2025).set_index("key")
    assert rows.loc["caseload.ehcplans", "published"] == 4931  # caseload.csv, 202425, Bristol
    assert rows.loc["timeliness_20_week.plans_issued_den", "published"] == 684  # timeliness_20_week.csv, 2024
    assert rows.loc["timeliness_20_week.pc_plans_issued_within_20_weeks", "published"] == 17.3
    assert rows.loc["requests.request_outcome_six_weeks_pc", "published"] == 13.9  # requests.csv, 2024
    assert rows.loc["ceased_plans.transfer", "published"] == 146  # ceased_plans.csv, 2024


def test_an_uncalibrated_difference_is_flagged(engine, transfers_2024):
    row = sen2.reconcile(engine, 2025).set_index("key").loc[TRANSFER]
    assert row["local"] == len(transfers_2024) == 212 and row["published"] == 146
    assert row["difference"] == 66 and row["tolerance"] == pytest.approx(2.9) and row["beyond"]


# --- the page -----------------------------------------------------------------------------------------------

def test_an_officer_sees_the_reconciliation(server, log):
    text = page(server.test_client(role="officer"))
    for label in ("Compared with DfE", "Within tolerance", "Beyond tolerance"):
        assert f'"{label}"' in text
    assert "Reporting year 2025" in text and sen2.TOLERANCE_NOTE in text
    assert "plans_issued_den" in text and "4,931" in text
    assert f"{PAGE}?year=2025&measure={TRANSFER}" in text  # the flagged figure links to its records
    assert grid_rows(text) == []
    logged = entries(log)
    assert [(e["action"], e["target"], e["child_records"]) for e in logged] == [("view", PAGE, 0)]
    assert logged[0]["filters"] == {"year": "2025", "measure": ""}


def test_the_records_behind_a_flagged_figure(server, log, transfers_2024):
    text = page(server.test_client(role="officer"), f"?year=2025&measure={TRANSFER}")
    rows = grid_rows(text)
    assert sorted(r["request_id"] for r in rows) == sorted(transfers_2024["request_id"])
    assert all(r["event_date"].startswith("2024-") and r["counted"] == "numerator" for r in rows)
    logged = entries(log)[-1]
    assert logged["action"] == "view" and logged["filters"] == {"year": "2025", "measure": TRANSFER}
    assert set(logged["child_ids"]) == set(transfers_2024["person_id"])
    assert logged["child_records"] == transfers_2024["person_id"].nunique()


def test_an_earlier_year_and_a_forged_choice(server, log):
    client = server.test_client(role="officer")
    assert "Reporting year 2023" in page(client, "?year=2023")
    text = page(client, "?year=1999&measure=x%27%20OR%201%3D1")
    assert "so 2025 is shown" in text and "no records are listed" in text and grid_rows(text) == []
    assert entries(log)[-1]["child_records"] == 0


def test_the_officers_view_reads_cleanly(server, log):
    with tree.request_as(server, PAGE, "officer"):
        laid_out = dash.page_registry["pages.reconciliation"]["layout"]()
    assert forbidden("\n".join(tree.texts(laid_out))) == []
    assert len(tree.find(laid_out, lambda n: type(n).__name__ == "H1")) == 1
    assert dash.page_registry["pages.reconciliation"]["hidden"] is True


def test_the_header_links_here_for_officers():
    assert (Role.OFFICER, "SEN2 reconciliation", PAGE) in shell.ACCOUNT_TOOLS


# --- the files ----------------------------------------------------------------------------------------------

def test_the_files(server, log):
    client = server.test_client(role="officer")
    response = client.get(f"{CSV}?year=2025")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(sen2.MEASURES)
    first = rows[0]
    assert (first["DfE column"], first["Local records"], first["Published by DfE"], first["Within tolerance"]) == (
        "ehcplans", "4931", "4931", "Within")
    table = client.get("/reconciliation/timeliness_20_week.csv?year=2024")
    dfe = list(csv.DictReader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(dfe) == 1 and dfe[0]["time_period"] == "2023" and dfe[0]["plans_issued_den"] == "697"
    assert dfe[0]["new_la_code"] == HOME and dfe[0]["old_la_code"] == "801"
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{XLSX}?year=2025").data))
    assert book.sheetnames == ["SEN2", "About"]
    assert dict(book["About"].values)["Tolerance"] == sen2.TOLERANCE_NOTE
    assert client.get(f"{CSV}?year=1999").status_code == 400
    assert client.get("/reconciliation/nothing.csv").status_code == 404
    logged = entries(log)
    assert [(e["action"], e["child_records"]) for e in logged] == [("export", 0)] * 3


def test_the_person_level_return(server, log):
    response = server.test_client(role="officer").get(f"{XML}?year=2025")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = etree.fromstring(response.data)
    schema = corrected_schema()
    schema.validate(root)
    # the sample's URNs have 7 digits from 9000000 on purpose, so they can never be a real school's (data/synth)
    other = [e.message for e in schema.error_log if not re.search(r"Element 'URN'.* value '9\d{6}'", e.message)]
    assert other == [] and len(schema.error_log) > 0
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2025-01-16"
    # the plans open on the census day, as the return holds them, are DfE's published caseload for January 2025
    open_plans = [p for p in root.iter("NamedPlan") if p.findtext("StartDate") <= "2025-01-16"
                  and p.findtext("CeaseDate") is None]
    assert len(open_plans) == 4931
    persons = len(list(root.iter("Person")))
    logged = entries(log)
    assert [(e["action"], e["target"], e["child_records"]) for e in logged] == [("export", XML, persons)]
    assert server.test_client(role="officer").get(f"{XML}?year=1999").status_code == 400


# --- who may not see it -------------------------------------------------------------------------------------

REFUSED = [(None, HOME, "Sign in to see this"), ("public", HOME, "does not hold the officer role"),
           ("partner", HOME, "does not hold the officer role"), ("officer", ELSEWHERE, "officer in E10000016")]


@pytest.mark.parametrize("role, council, why", REFUSED, ids=["signed-out", "public", "partner", "elsewhere"])
def test_everyone_else_is_refused(server, log, transfers_2024, role, council, why):
    client = server.test_client(role=role, council=council)
    bodies = [page(client), page(client, f"?year=2025&measure={TRANSFER}")]
    assert all("This page is for council officers" in b and why in b for b in bodies)
    assert all(grid_rows(b) == [] and "4,931" not in b for b in bodies)
    assert (f"/sign-in?next={PAGE}" in bodies[0]) == (role is None)
    for path in (CSV, XLSX, "/reconciliation/caseload.csv?year=2025", f"{XML}?year=2025"):
        response = client.get(path)
        assert response.status_code == 403 and why in response.get_data(as_text=True)
        bodies.append(response.get_data(as_text=True))
    children = set(transfers_2024["person_id"])
    assert not [b for b in bodies if any(child in b for child in children)]
    logged = entries(log)
    assert [(e["action"], e["outcome"], e["child_records"]) for e in logged] == [("denied", "refused", 0)] * 6
    assert logged[1]["filters"] == {"year": "2025", "measure": TRANSFER}
