"""The pages: every layout(**query) and every callback, with good and hostile values, on the sample warehouse.

Each page must answer with a friendly view or a friendly message, never an exception; the rendered component
tree (text, labels and chart text) must never show "None", "nan", "NaN" or a raw catalogue id; an audience in
a URL or a callback input can only make the view stricter than the one the server grants.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

import dash
import plotly
import pytest

from tests.forbidden import FORBIDDEN
from tests.server.conftest import sample_page_modules
from tests.server.tree import texts

BRISTOL = "E06000023"
LEEDS = "E08000035"
HOSTILE = ["' OR 1=1 --", "<script>alert(1)</script>", "E06000023; DROP TABLE person", "../../etc/passwd",
           "x" * 5000, ["E06000023", "E08000035"], 123, {"a": 1}, "%00", "   "]


# --- fixtures --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pages():
    """The app on the sample warehouse (built by the test command), with one shared engine for every test."""
    for modules in sample_page_modules():
        yield {name: modules[name] for name in ("home", "board", "clinic", "commissioners", "theme", "indicator")}


@pytest.fixture(scope="module")
def catalogue_ids(pages):
    from dashboard import views

    return sorted(views.get_engine().catalogue.indicators)


# --- walking a rendered tree -------------------------------------------------------------------------------

def find(component, predicate) -> list:
    """Every component in the tree for which predicate(component) is true."""
    out = []

    def walk(node):
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif isinstance(node, dash.development.base_component.Component):
            if predicate(node):
                out.append(node)
            walk(getattr(node, "children", None))

    walk(component)
    return out


def classes(node) -> str:
    return getattr(node, "className", "") or ""


def assert_clean(component, catalogue_ids) -> str:
    """No None/nan/NaN/traceback and no raw catalogue id anywhere a reader could see; returns all the text."""
    found = texts(component)
    text = "\n".join(found)
    bad = sorted({m.group(0) for m in FORBIDDEN.finditer(text)})
    assert not bad, f"bad words {bad} in: " + next(t for t in found if FORBIDDEN.search(t))[:300]
    raw = [i for i in catalogue_ids if re.search(rf"(?<![\w/=?]){re.escape(i)}(?![\w])", text)]
    assert not raw, f"raw ids on the page: {raw}"
    return text


def as_json(component) -> str:
    return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True)


def is_problem(component) -> bool:
    return bool(find(component, lambda n: "notice--error" in classes(n)))


# --- good views ---------------------------------------------------------------------------------------------

GOOD = [
    ("home", {}),
    ("home", {"area": LEEDS}),
    ("board", {}),
    ("board", {"area": BRISTOL, "period": "2022"}),
    ("board", {"area": "leeds"}),
    ("board", {"area": "801"}),  # an old LA code
    ("clinic", {}),
    ("clinic", {"indicator": "requests_decided_6wk"}),
    ("clinic", {"area": LEEDS}),
    ("commissioners", {}),
    ("commissioners", {"indicator": "sen_support_pct", "area": LEEDS}),
    ("theme", {"theme": "governance"}),
    ("theme", {"theme": "learning-employment", "area": LEEDS}),
    ("theme", {"name": "local_profile"}),
    ("theme", {}),
    ("indicator", {"indicator_id": "ehcp_issued_20wk"}),
    ("indicator", {"indicator_id": "ehcp_issued_20wk", "breakdown": "school"}),
    ("indicator", {"indicator_id": "ehcp_issued_20wk", "breakdown": "primary_need", "period": "2023"}),
    ("indicator", {"indicator_id": "ehcp_issued_20wk", "ward": "Cotham"}),
    ("indicator", {"indicator_id": "ehcp_caseload", "breakdown": "setting"}),
    ("indicator", {"indicator_id": "ks2_rwm_gap_ehcp", "area": LEEDS}),
    ("indicator", {"indicator_id": "ks2_rwm_ehcp"}),
    ("indicator", {"indicator_id": "ehcp_issued_20wk", "area": LEEDS, "breakdown": "sex"}),
    ("indicator", {"indicator_id": "health_advice_6wk", "area": LEEDS}),  # local only: explained
    ("indicator", {}),
]


@pytest.mark.parametrize("page,query", GOOD, ids=[f"{p}-{'-'.join(map(str, q.values())) or 'default'}"
                                                  for p, q in GOOD])
def test_good_views_render_clean(pages, catalogue_ids, page, query):
    tree = pages[page].layout(**query)
    text = assert_clean(tree, catalogue_ids)
    assert not is_problem(tree), text[:500]


def test_every_page_has_one_h1(pages):
    for page, query in GOOD:
        tree = pages[page].layout(**query)
        assert len(find(tree, lambda n: type(n).__name__ == "H1")) == 1, (page, query)


# --- bad and hostile query values -------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["home", "board", "clinic", "commissioners", "theme", "indicator"])
@pytest.mark.parametrize("value", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_area_gives_a_friendly_message(pages, catalogue_ids, page, value):
    extra = {"theme": "governance"} if page == "theme" else {"indicator_id": "ehcp_issued_20wk"} \
        if page == "indicator" else {}
    tree = pages[page].layout(area=value, **extra)
    text = assert_clean(tree, catalogue_ids)
    if value in ("   ",):  # blank: the default area
        return
    assert is_problem(tree)
    assert "Choose a council" in text or "Choose one" in text or "Several councils" in text
    assert "OR 1=1" not in text and "<script>" not in text and "DROP TABLE" not in text


def test_unknown_area_names_how_to_pick(pages):
    text = " ".join(texts(pages["board"].layout(area="Atlantis")))
    assert "could not find that area" in text and "E06000023" in text


def test_ambiguous_area_lists_the_matches(pages):
    tree = pages["board"].layout(area="north")
    text = " ".join(texts(tree))
    assert "Several councils match" in text and "North Somerset" in text
    links = find(tree, lambda n: type(n).__name__ == "A" and str(getattr(n, "href", "")).startswith("?area="))
    assert len(links) >= 5


@pytest.mark.parametrize("key", ["period", "breakdown", "ward", "school", "need", "audience", "indicator"])
@pytest.mark.parametrize("value", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_values_on_the_indicator_page(pages, catalogue_ids, key, value):
    tree = pages["indicator"].layout(indicator_id="ehcp_issued_20wk", area=BRISTOL, **{key: value})
    text = assert_clean(tree, catalogue_ids)
    assert "OR 1=1" not in text and "<script>" not in text and "DROP TABLE" not in text
    assert "Plans issued in 20 weeks" in text or "within 20 weeks" in text  # the page still shows the measure


@pytest.mark.parametrize("value", HOSTILE + ["nope", "ehcp_issued_20wk/../x", ""],
                         ids=[f"hostile{i}" for i in range(len(HOSTILE) + 3)])
def test_unknown_indicator_gives_a_friendly_message(pages, catalogue_ids, value):
    tree = pages["indicator"].layout(indicator_id=value)
    text = assert_clean(tree, catalogue_ids)
    if value == "":
        assert "Indicator reports" in text
    else:
        assert is_problem(tree) and "could not find that indicator" in text


@pytest.mark.parametrize("value", HOSTILE + ["nope"], ids=[f"hostile{i}" for i in range(len(HOSTILE) + 1)])
def test_unknown_theme_gives_a_friendly_message(pages, catalogue_ids, value):
    tree = pages["theme"].layout(theme=value)
    text = assert_clean(tree, catalogue_ids)
    if isinstance(value, str) and not value.strip():
        return
    assert is_problem(tree) and "could not find that theme" in text


@pytest.mark.parametrize("page", ["board", "clinic", "commissioners", "home"])
@pytest.mark.parametrize("period", ["1999", "2099", "202324x", "' OR 1=1 --", ["2024", "2023"]])
def test_unknown_period_is_explained_and_the_latest_shown(pages, catalogue_ids, page, period):
    tree = pages[page].layout(area=BRISTOL, period=period)
    text = assert_clean(tree, catalogue_ids)
    assert not is_problem(tree)
    assert "latest figures are shown" in text


def test_unknown_breakdown_and_ward_are_explained(pages, become):
    text = " ".join(texts(pages["indicator"].layout(indicator_id="ehcp_issued_20wk", breakdown="postcode",
                                                     ward="Atlantis")))
    assert "breakdown in the link is not one this measure has" in text
    assert "Figures for one ward are for council officers only" in text  # partners never drill down
    become("officer")
    text = " ".join(texts(pages["indicator"].layout(indicator_id="ehcp_issued_20wk", ward="Atlantis")))
    assert "ward in the link is not one this measure has figures for" in text


def test_the_indicator_page_offers_children_by_sub_icb_location(pages, catalogue_ids):
    tree = pages["indicator"].layout(indicator_id="ehcp_caseload", area=BRISTOL, breakdown="sub_icb")
    text = " ".join(texts(tree))
    assert_clean(tree, catalogue_ids)
    assert "not one this measure has" not in text  # sub_icb is one of its breakdowns
    assert "NHS sub-ICB location" in text
    assert "NHS Bristol, North Somerset and South Gloucestershire ICB - 15C" in text


def test_page_titles_never_fail(pages):
    assert pages["indicator"]._title("' OR 1=1 --") == "Indicator report"
    assert pages["indicator"]._title("ehcp_issued_20wk").startswith("New EHC plans issued within 20 weeks")
    assert pages["theme"]._title(None) == "Theme report"


# --- the board ------------------------------------------------------------------------------------------------

def test_board_for_bristol_shows_twelve_tiles_with_values_rag_words_and_a_narrative(pages, catalogue_ids):
    board = pages["board"]
    tree = board.layout(area=BRISTOL)
    assert_clean(tree, catalogue_ids)
    tiles = find(tree, lambda n: type(n).__name__ == "Li" and classes(n).startswith("tile"))
    assert len(tiles) == 12
    words = re.compile(r"(on target|off target|close to target|better than|worse than|similar to|no target set|"
                       r"not rated|no comparison)", re.IGNORECASE)
    for tile in tiles:
        text = " ".join(texts(tile))
        values = find(tile, lambda n: "tile__value" in classes(n))
        assert values and re.search(r"\d", " ".join(texts(values[0]))), text
        badges = find(tile, lambda n: classes(n).startswith("badge"))
        assert badges and words.search(" ".join(texts(badges[0]))), text
        assert find(tile, lambda n: type(n).__name__ == "Graph"), "each tile has a sparkline"
    colours = {c for t in tiles for c in classes(t).split() if c.startswith("tile--")}
    assert {"tile--red", "tile--green"} <= colours  # Bristol's sample has both
    narrative = find(tree, lambda n: getattr(n, "id", None) == board.NARRATIVE)[0]
    text = " ".join(texts(narrative))
    assert "What is going well" in text and "What needs attention" in text
    evidence = find(narrative, lambda n: type(n).__name__ == "A" and "/indicator/" in str(getattr(n, "href", "")))
    assert len(evidence) >= 2 and all("area=E06000023" in e.href for e in evidence)


def test_board_kpis_are_configurable(pages, monkeypatch, tmp_path):
    monkeypatch.setenv("SEND_KPIS", "ehcp_caseload, not_an_indicator, ehcp_issued_20wk")
    tree = pages["board"].layout(area=BRISTOL)
    tiles = find(tree, lambda n: type(n).__name__ == "Li" and classes(n).startswith("tile"))
    assert len(tiles) == 2
    assert "not in the indicator catalogue" in " ".join(texts(tree))
    listing = tmp_path / "kpis.yaml"
    listing.write_text("kpis: [ehcp_requests]\n", encoding="utf-8")
    monkeypatch.setenv("SEND_KPIS", str(listing))
    tree = pages["board"].layout(area=BRISTOL)
    assert len(find(tree, lambda n: type(n).__name__ == "Li" and classes(n).startswith("tile"))) == 1


def test_board_for_another_council_explains_local_only_measures(pages, catalogue_ids):
    tree = pages["board"].layout(area=LEEDS)
    text = assert_clean(tree, catalogue_ids)
    assert "Board view: Leeds" in text and "only one council's local data is loaded" in text


def test_default_kpis_are_all_in_the_catalogue(pages):
    from dashboard import views

    ids, notes = views.kpi_ids(views.get_engine())
    assert len(ids) == 12 and not notes


# --- audiences ------------------------------------------------------------------------------------------------

def test_an_officer_audience_in_the_url_changes_nothing(pages):
    plain = pages["indicator"].layout(indicator_id="ehcp_ceased", area=BRISTOL, breakdown="ward")
    smuggled = pages["indicator"].layout(indicator_id="ehcp_ceased", area=BRISTOL, breakdown="ward",
                                         audience="officer")
    assert as_json(plain) == as_json(smuggled)
    assert "c (suppressed)" in " ".join(texts(plain))


def test_a_url_may_ask_for_a_stricter_audience_only(pages, become):
    query = {"indicator_id": "ehcp_issued_20wk", "area": BRISTOL, "breakdown": "team"}
    become("public")
    public = texts(pages["indicator"].layout(**query))
    become("officer")
    officer = texts(pages["indicator"].layout(**query))
    asked_public = texts(pages["indicator"].layout(**query, audience="public"))
    assert officer != public  # the officer view is unsuppressed
    assert asked_public == public  # asking for the public view gives exactly the public figures
    become("public")
    assert texts(pages["indicator"].layout(**query, audience="officer")) == public  # and never the reverse


# --- callbacks: called directly, with hostile values -------------------------------------------------------------

def _ward_click(value):
    return {"points": [{"customdata": [value, value], "x": 1, "y": 1}]}


@pytest.fixture
def officer(become):
    """Drill-down figures are for officers only."""
    become("officer")


def test_drill_down_sets_the_ward_and_the_next_breakdown(pages, officer):
    drill = pages["indicator"]
    ids = [{"type": drill.DRILL, "key": "ward", "chart": "map"}]
    search = drill.drill_down([_ward_click("Cotham")], ids, "/indicator/ehcp_issued_20wk", "?area=E06000023")
    assert search == "?area=E06000023&breakdown=school&ward=Cotham"


def test_drill_down_from_ward_to_school_to_need(pages, officer):
    from dashboard import views

    drill = pages["indicator"]
    ctx = views.context({"area": BRISTOL})
    school = views.drill_allowlist(ctx, "ehcp_issued_20wk", "school")[0]
    need = views.drill_allowlist(ctx, "ehcp_issued_20wk", "need")[0]
    ids = [{"type": drill.DRILL, "key": "school", "chart": "funnel"}]
    search = drill.drill_down([_ward_click(school)], ids, "/indicator/ehcp_issued_20wk",
                              "?area=E06000023&ward=Cotham")
    assert "ward=Cotham" in search and "school=" in search and "breakdown=primary_need" in search
    ids = [{"type": drill.DRILL, "key": "need", "chart": "bars-primary_need"}]
    after = drill.drill_down([{"points": [{"y": need}]}], ids, "/indicator/ehcp_issued_20wk", search)
    assert "need=" in after and "school=" in after and "breakdown" not in after
    tree = drill.layout(indicator_id="ehcp_issued_20wk", **dict(parse_qsl(after.lstrip("?"))))
    crumbs = find(tree, lambda n: "breadcrumbs" == classes(n))
    text = " ".join(texts(crumbs[0]))
    assert "Ward: Cotham" in text and f"School or setting: {school}" in text and f"Need type: {need}" in text


@pytest.mark.parametrize("value", HOSTILE + [None, "Total"], ids=[f"hostile{i}" for i in range(len(HOSTILE) + 2)])
def test_drill_down_ignores_values_off_the_allowlist(pages, value):
    drill = pages["indicator"]
    ids = [{"type": drill.DRILL, "key": "ward", "chart": "map"}]
    assert drill.drill_down([_ward_click(value)], ids, "/indicator/ehcp_issued_20wk",
                            "?area=E06000023") is dash.no_update


@pytest.mark.parametrize("args", [
    ("not a list", [], "/indicator/ehcp_issued_20wk", ""),
    ([_ward_click("Cotham")], "not a list", "/indicator/ehcp_issued_20wk", ""),
    ([_ward_click("Cotham")], [{"type": "indicator-drill", "key": "evil", "chart": "map"}],
     "/indicator/ehcp_issued_20wk", ""),
    ([_ward_click("Cotham")], [{"type": "indicator-drill", "key": "ward", "chart": "map"}],
     "/indicator/' OR 1=1 --", ""),
    ([_ward_click("Cotham")], [{"type": "indicator-drill", "key": "ward", "chart": "map"}], None, None),
    ([_ward_click("Cotham")], [{"type": "indicator-drill", "key": "ward", "chart": "map"}],
     "/indicator/ehcp_issued_20wk", "?area=' OR 1=1 --"),
    ([{"points": "x"}], [{"type": "indicator-drill", "key": "ward", "chart": "map"}],
     "/indicator/ehcp_issued_20wk", ""),
    ([12], [{"type": "indicator-drill", "key": "ward", "chart": "map"}], "/indicator/ehcp_issued_20wk", ""),
])
def test_drill_down_with_hostile_inputs_changes_nothing(pages, args):
    assert pages["indicator"].drill_down(*args) is dash.no_update


def test_drill_down_never_writes_an_officer_audience(pages, become):
    drill = pages["indicator"]
    ids = [{"type": drill.DRILL, "key": "ward", "chart": "map"}]
    # A partner cannot drill down, and an officer audience in the URL does not let them.
    assert drill.drill_down([_ward_click("Cotham")], ids, "/indicator/ehcp_issued_20wk",
                            "?area=E06000023&audience=officer") is dash.no_update
    become("officer")
    search = drill.drill_down([_ward_click("Cotham")], ids, "/indicator/ehcp_issued_20wk",
                              "?area=E06000023&audience=officer")
    assert "audience" not in search and "ward=Cotham" in search


def test_navigation_carries_only_checked_area_and_period():
    from dashboard.shell import carry_state

    ids = [{"type": "nav-link", "path": "/board"}, {"type": "nav-link", "path": "javascript:alert(1)"},
           "junk", {"type": "nav-link", "path": 42}]
    hrefs, current = carry_state("/board", "?area=leeds&period=2024&audience=officer&ward=x", ids)
    assert hrefs == ["/board?area=E08000035&period=2024", "/?area=E08000035&period=2024",
                     "/?area=E08000035&period=2024", "/?area=E08000035&period=2024"]
    assert current == ["page", None, None, None]
    hrefs, _ = carry_state(None, "?area=' OR 1=1 --&period=<script>&audience=public", ids[:1])
    assert hrefs == ["/board?audience=public"]
    hrefs, _ = carry_state(["x"], {"a": 1}, ids[:1])
    assert hrefs == ["/board"]
