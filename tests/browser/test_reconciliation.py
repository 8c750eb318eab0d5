"""The officers' SEN2 reconciliation in a browser: the summary tiles agree with the verdicts in the tables, every
SEN2 table draws, another reporting year is chosen through the form, a flagged figure's link lists the records
behind it (counted here from the warehouse's own tables), and the person-level SEN2 XML downloads and validates
against the XSD in the repository."""

from __future__ import annotations

import re

import duckdb
from lxml import etree
from playwright.sync_api import expect

from indicators import sen2
from tests.browser.conftest import DOWNLOADS, ROOT, settle, table_rows
from tests.unit.test_sen2_xml import corrected_schema

GRID = "reconciliation-records-grid"
TRANSFER = "ceased_plans.transfer"  # plans ceased because the child moved to another LA: flagged in 2024 and 2025


def transfers_2023() -> set[str]:
    """Requests whose plan ceased in calendar 2023 because the child moved to another LA (CeaseReason 5): the
    records behind reporting year 2024's figure, from the raw tables."""
    with duckdb.connect(str(ROOT / "data" / "sample" / "warehouse.duckdb"), read_only=True) as con:
        return {r for (r,) in con.execute("""SELECT r.request_id FROM named_plan np
                                             JOIN assessment a USING (assessment_id) JOIN request r USING (request_id)
                                             WHERE year(np.cease_date) = 2023 AND np.cease_reason = '5'""").fetchall()}


def tiles(page) -> dict[str, int]:
    items = page.locator("#reconciliation-summary > li")
    return {items.nth(i).locator(".tile__title").inner_text(): int(
        items.nth(i).locator(".tile__value").inner_text().replace(",", "")) for i in range(items.count())}


def tables(page) -> dict[str, list[list[str]]]:
    """Each SEN2 table's rows, by dataset."""
    return {dataset: table_rows(page, f"section[aria-labelledby='reconciliation-{dataset}']")
            for dataset in sen2.TABLES}


def check_tables(page, year: int) -> None:
    """Every table draws each of its measures, and the tiles count the tables' verdicts."""
    drawn = tables(page)
    for dataset, table in sen2.TABLES.items():
        expect(page.locator(f"#reconciliation-{dataset}")).to_have_text(table.title)
        assert len(drawn[dataset]) == sum(1 for key in sen2.MEASURE_KEYS if key.startswith(dataset + "."))
    verdicts = [row[7] for rows in drawn.values() for row in rows]
    within, beyond = verdicts.count("Within"), verdicts.count("Beyond")
    assert tiles(page) == {"Compared with DfE": within + beyond, "Within tolerance": within,
                           "Beyond tolerance": beyond}
    assert beyond > 0 and within > 0
    # DfE's time periods: the census tables the academic year whose January is the year's ('202425' for 2025),
    # the others the calendar year before it
    periods = {dataset: {row[2] for row in rows} for dataset, rows in drawn.items()}
    assert periods == {d: {f"{year - 1}{year % 100:02d}" if table.census else str(year - 1)}
                       for d, table in sen2.TABLES.items()}


def test_an_officer_reconciles_another_year_and_lists_the_records_behind_a_flag(page, officer_url):
    page.goto(officer_url + "/reconciliation")
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("SEN2 reconciliation")
    expect(page.locator("#reconciliation-summary-heading + p")).to_contain_text("Reporting year 2025")
    check_tables(page, 2025)
    assert page.locator(f"#{GRID}").count() == 0  # no figure chosen, no records

    page.get_by_label("Reporting year", exact=True).select_option("2024")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/reconciliation?year=2024")
    settle(page)
    expect(page.locator("#reconciliation-summary-heading + p")).to_contain_text("Reporting year 2024")
    check_tables(page, 2024)
    transfer = next(r for r in tables(page)["ceased_plans"] if r[0] == "transfer")
    expected = transfers_2023()
    assert transfer[3:8] == [f"{len(expected)}", "100", f"+{len(expected) - 100}", "±2", "Beyond"]
    assert len(expected) == 165  # ceased_plans.csv, 2023: DfE published 100 for the council

    page.get_by_role("link", name="List the records behind transfer", exact=True).click()
    page.wait_for_url(f"**/reconciliation?year=2024&measure={TRANSFER}")
    settle(page)
    expect(page.locator("#reconciliation-records")).to_have_text(
        f"Records behind transfer (Ceased: moved to another local authority), reporting year 2024: {len(expected)}")
    page.wait_for_function(f"() => window.dash_ag_grid && dash_ag_grid.getApi('{GRID}')")
    rows = page.evaluate(f"""() => {{
        const rows = [];
        dash_ag_grid.getApi('{GRID}').forEachNode(node => rows.push(node.data));
        return rows;
    }}""")
    assert {r["request_id"] for r in rows} == expected and len(rows) == len(expected)
    assert all(r["event_date"].startswith("2023-") and r["counted"] == "numerator" for r in rows)
    first = page.locator(f"#{GRID} .ag-row[row-index='0'] [col-id='event_date']").inner_text()
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} 2023", first)  # the date as people read it

    with page.expect_download() as info:
        page.get_by_role("link", name="SEN2 XML, 2024", exact=True).click()
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    path = DOWNLOADS / "sen2-return-2024.xml"
    info.value.save_as(path)
    root = etree.parse(str(path)).getroot()
    schema = corrected_schema()
    schema.validate(root)
    # the sample's URNs have 7 digits from 9000000 on purpose, so they can never be a real school's (data/synth)
    assert [e.message for e in schema.error_log if not re.search(r"Element 'URN'.* value '9\d{6}'", e.message)] == []
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2024-01-18"  # the third Thursday
    assert len(list(root.iter("Person"))) > 1000
