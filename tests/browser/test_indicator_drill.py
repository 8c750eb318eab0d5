"""An indicator's report drilled down ward -> school -> need type and back up, as a reader does it: by the
keyboard links ("Open a ward", "Open a school or setting", "Open a need type"), by a click on a ward's hex tile,
by the back link and by the breadcrumbs. At every level the URL carries the state, the breadcrumbs show the
path, the heading names the level, and the figures are narrowed to it (checked against the level above).
Drill-down figures are for council officers only (a ward's schools are cells of a ward-by-school table that
partners could otherwise difference), so these journeys run as an officer; a partner is offered none."""

from __future__ import annotations

import re

from tests.browser.conftest import check_view, crumbs, current_crumb, query_of, settle, table_rows

INDICATOR = "ehcp_caseload"  # counts by ward, school and need that are large enough to show in the sample
AREA = "E06000023"
AREA_NAME = "Bristol, City of"
TOP = f"/indicator/{INDICATOR}?area={AREA}"
TITLE = "EHC plans at the January census"
NUMBER = re.compile(r"^[\d,]+$")


def _open_link(page, summary: str, name: str) -> None:
    """Open the keyboard list of the next level and follow one of its links, as a keyboard user would."""
    details = page.locator("details", has=page.locator("summary", has_text=summary))
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    link = details.get_by_role("link", name=name, exact=True)
    link.focus()
    page.keyboard.press("Enter")
    settle(page)


def _largest(rows: list[list[str]], *, skip: tuple[str, ...] = ()) -> tuple[str, str]:
    """(name, figure) of the row with the largest shown count."""
    shown = [(r[0], r[1]) for r in rows if NUMBER.match(r[1]) and r[0] not in skip]
    assert shown, f"no row with a figure in {rows}"
    return max(shown, key=lambda r: int(r[1].replace(",", "")))


def _level_heading(page) -> str:
    return page.locator("#drill").inner_text().strip()


def _breakdown_text(page) -> str:
    return page.locator("section", has=page.locator("#breakdown")).inner_text()


def _drill_title(page, key: str) -> str:
    return page.locator(f"#chart-drill-{key} .chart__title").inner_text()


def test_drill_down_ward_school_need_and_back(page, officer_url):
    app_url = officer_url
    page.goto(app_url + TOP)
    check_view(page, "drill_0_area", open_details=True)
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    assert crumbs(page)[-1] == f"EHC plans: {AREA_NAME}" == current_crumb(page)
    assert page.locator("#drill").count() == 0
    wards = table_rows(page, "#chart-ward-map")
    assert len(wards) >= 30, "every ward of Bristol is on the map's table"
    ward, ward_figure = _largest(wards)

    # Ward, by its link in "Open a ward".
    _open_link(page, "Open a ward", ward)
    query = query_of(page.url)
    assert query["ward"] == ward and query["area"] == AREA and "school" not in query and "need" not in query
    assert query["breakdown"] == "school", "the next level (schools) is offered at once"
    check_view(page, "drill_1_ward")
    assert crumbs(page)[-2:] == [f"EHC plans: {AREA_NAME}", f"Ward: {ward}"]
    assert current_crumb(page) == f"Ward: {ward}"
    assert _level_heading(page) == f"Ward: {ward}"
    assert f"{ward_figure} in " in _drill_title(page, "ward"), "the ward's own figure, as on the ward map"
    assert f"children living in {ward}" in _breakdown_text(page)
    assert page.locator("#trend").count() == 0, "the whole area's trend gives way to the ward's"
    schools = table_rows(page, "#chart-breakdown-school")
    school, school_figure = _largest(schools, skip=("No school recorded",))
    assert int(school_figure.replace(",", "")) < int(ward_figure.replace(",", "")), "a school holds part of a ward"

    # School, by its link in "Open a school or setting".
    _open_link(page, "Open a school or setting", school)
    query = query_of(page.url)
    assert (query["ward"], query["school"], query["breakdown"]) == (ward, school, "primary_need")
    assert "need" not in query
    check_view(page, "drill_2_school")
    assert crumbs(page)[-3:] == [f"EHC plans: {AREA_NAME}", f"Ward: {ward}", f"School or setting: {school}"]
    assert current_crumb(page) == f"School or setting: {school}"
    assert _level_heading(page) == f"School or setting: {school}"
    assert f"{school_figure} in " in _drill_title(page, "school")
    assert f"children living in {ward}, at {school}" in _breakdown_text(page)
    needs = table_rows(page, "#chart-breakdown-primary_need")
    need, need_figure = _largest(needs)

    # Need type, by its link in "Open a need type".
    _open_link(page, "Open a need type", need)
    query = query_of(page.url)
    assert (query["ward"], query["school"], query["need"]) == (ward, school, need)
    check_view(page, "drill_3_need")
    assert crumbs(page)[-4:] == [f"EHC plans: {AREA_NAME}", f"Ward: {ward}", f"School or setting: {school}",
                                 f"Need type: {need}"]
    assert current_crumb(page) == f"Need type: {need}"
    assert _level_heading(page) == f"Need type: {need}"
    assert f"{need_figure} in " in _drill_title(page, "need")
    assert f"whose primary need is {need.lower()}" in _breakdown_text(page)

    # Back up: the back link drops the need type...
    page.get_by_role("link", name="Back one level").click()
    settle(page)
    query = query_of(page.url)
    assert (query["ward"], query["school"]) == (ward, school) and "need" not in query
    assert current_crumb(page) == f"School or setting: {school}"
    assert _level_heading(page) == f"School or setting: {school}"

    # ...the ward's breadcrumb drops the school...
    page.locator("nav.breadcrumbs").get_by_role("link", name=f"Ward: {ward}", exact=True).click()
    settle(page)
    query = query_of(page.url)
    assert query["ward"] == ward and "school" not in query and "need" not in query
    assert current_crumb(page) == f"Ward: {ward}" and _level_heading(page) == f"Ward: {ward}"
    check_view(page, "drill_4_back_to_ward")

    # ...and the ward's back link returns to the whole area.
    page.get_by_role("link", name=f"Back to all of {AREA_NAME}").click()
    settle(page)
    query = query_of(page.url)
    assert query.get("area") == AREA and not {"ward", "school", "need"} & set(query)
    assert current_crumb(page) == f"EHC plans: {AREA_NAME}"
    assert page.locator("#drill").count() == 0 and page.locator("#trend").is_visible()


def test_ward_chosen_by_clicking_its_hex_tile(page, officer_url):
    app_url = officer_url
    page.goto(app_url + TOP)
    settle(page)
    wards = dict(table_rows(page, "#chart-ward-map"))
    ward = "Horfield"
    tile = page.locator("#chart-ward-map .textpoint", has_text=ward)
    assert tile.count() == 1, "one tile per ward, labelled with its name"
    tile.scroll_into_view_if_needed()
    box = tile.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)  # plotly needs the hover before the click
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"[?&]ward=Horfield(&|$)"))
    page.locator("#drill").wait_for()  # the click changes the URL in place; the view is rebuilt after it
    query = query_of(page.url)
    assert query["ward"] == ward and query["breakdown"] == "school" and query["area"] == AREA
    check_view(page, "drill_hex_click_ward")
    assert current_crumb(page) == f"Ward: {ward}"
    assert _level_heading(page) == f"Ward: {ward}"
    assert f"{wards[ward]} in " in _drill_title(page, "ward")

    # The browser's own Back returns to the whole area (the click pushed a history entry).
    page.go_back()
    page.locator("#drill").wait_for(state="detached")
    settle(page)
    assert "ward" not in query_of(page.url)
    assert page.locator("#drill").count() == 0


def test_drill_summary_names_the_ward_not_the_whole_area(page, officer_url):
    app_url = officer_url
    page.goto(app_url + TOP + "&ward=Knowle")
    settle(page)
    summary = page.locator("#chart-drill-ward .chart__summary").inner_text()
    assert "Knowle" in summary, summary
    assert f"For {AREA_NAME}," not in summary, summary


def test_generated_text_keeps_acronyms_in_capitals(page, officer_url):
    app_url = officer_url
    page.goto(app_url + f"/indicator/{INDICATOR}?area={AREA}&breakdown=team")
    settle(page)
    text = page.locator("main").inner_text()
    assert "SEND team" in text
    page.goto(app_url + f"/indicator/{INDICATOR}?area={AREA}&ward=Knowle"
              "&school=Avonmouth+and+Lawrence+Weston+Academy+%28synthetic%29&need=Autistic+spectrum+disorder")
    settle(page)
    text += page.locator("main").inner_text()
    assert not re.search(r"\b(send|ehc)\b", text), re.findall(r"[^\n]{0,30}\b(?:send|ehc)\b[^\n]{0,30}", text)


def test_a_partner_is_offered_no_drill_down(page, app_url):
    page.goto(app_url + TOP)
    settle(page)
    assert page.locator("summary", has_text="Open a ward").count() == 0
    page.goto(app_url + TOP + "&ward=Knowle")
    settle(page)
    main = page.locator("main").inner_text()
    assert "are for council officers only" in main and page.locator("#drill").count() == 0
