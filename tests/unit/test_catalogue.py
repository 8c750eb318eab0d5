"""The catalogue loads, covers the product's indicator list, and refuses inconsistent entries at start-up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import indicators.catalogue as catalogue_module
from indicators.catalogue import (
    CATALOGUE_DIR,
    LOCAL_SQL_DIR,
    CatalogueError,
    Theme,
    frame_breakdowns,
    handled_values,
    load_catalogue,
    local_query_path,
)
from indicators.catalogue.model import BREAKDOWNS, KNOWN_TABLES, LOCAL_BREAKDOWNS
from indicators.targets import TargetsError, load_targets
from indicators.vocabulary import Polarity, Unit


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_every_theme_has_indicators_and_ids_are_unique(catalogue):
    by_theme = catalogue.by_theme()
    assert set(by_theme) == set(Theme)
    assert all(by_theme[t] for t in Theme)
    assert len(catalogue) >= 70
    assert len({i.id for i in catalogue}) == len(catalogue)


def test_the_four_named_indicators_have_the_agreed_definitions(catalogue):
    timely = catalogue.get("ehcp_issued_20wk")
    assert timely.definition.unit is Unit.PERCENT and timely.polarity is Polarity.HIGH_IS_GOOD
    assert timely.local.measure == "issued_20wk" and "including exceptions" in timely.title
    ex = catalogue.get("ehcp_issued_20wk_ex")
    assert ex.local.measure == "issued_20wk_ex" and "excluding exceptions" in ex.title
    caseload = catalogue.get("ehcp_caseload")
    assert caseload.definition.unit is Unit.COUNT and "January" in caseload.title
    requests = catalogue.get("ehcp_requests")
    assert requests.definition.unit is Unit.COUNT and requests.year_type.value == "calendar"
    for indicator in (timely, ex, caseload, requests):  # local figure and published equivalent both available
        assert indicator.local and indicator.national


# Every indicator the product brief lists, by a word or phrase that must appear in some catalogue title.
PRODUCT_LIST = [
    "within 20 weeks, including", "within 20 weeks, excluding", "within 6 weeks", "advice returned within 6 weeks",
    "reviews of EHC plans held", "communicated within 4 weeks", "Requests for an EHC needs assessment",
    "agreed to assess", "at the January census", "per 10,000 residents aged 0-25", "plans ceased",
    "awaiting a placement", "SEND Tribunal", "Mediation", "personal budget", "Personal health budgets",
    "notifications", "graduated approach", "care-plan review", "felt listened", "co-production",
    "local offer", "360 review", "Designated medical", "good or outstanding by Ofsted",
    "providers rated good or outstanding", "special measures", "Area SEND inspection",
    "SEN support", "primary need", "type of setting", "children in need", "looked after",
    "early help", "Youth justice", "outside the area", "residential", "dynamic support", "continuing care",
    "CAMHS caseload", "CAMHS referral", "hospital admissions", "short breaks", "Young carers",
    "learning disability register", "annual health check", "mainstream schools", "good level of development",
    "phonics", "key stage 1", "KS2 reading, writing and maths", "KS2 reading progress", "Attainment 8",
    "Progress 8", "grade 5", "level 2", "level 3", "after key stage 4", "after 16-18 study",
    "16 and 17 year olds with SEN in education", "not in education, employment or training",
    "absence", "persistently absent", "Suspensions", "permanently excluded", "leisure activities",
    "confident navigating", "own home or with family", "Gap in", "% of pupils on roll",
]


@pytest.mark.parametrize("phrase", PRODUCT_LIST)
def test_product_indicator_has_an_entry(catalogue, phrase):
    titles = [i.title.lower() for i in catalogue]
    assert any(phrase.lower() in t for t in titles), phrase


def test_entries_use_only_allowlisted_names(catalogue):
    for indicator in catalogue:
        assert set(indicator.breakdowns) <= set(BREAKDOWNS)
        assert set(indicator.tables) <= KNOWN_TABLES
        if indicator.local:
            assert local_query_path(indicator.local).is_file()
            assert set(indicator.local.tables) <= KNOWN_TABLES
        assert 0 <= indicator.decimal_places <= 3


def _copy_catalogue(tmp_path: Path) -> Path:
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for path in CATALOGUE_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder


def _edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize("change, message", [
    (lambda d: d["indicators"].append(dict(d["indicators"][0])), "also used"),
    (lambda d: d["indicators"][0].update(breakdowns=["postcode"]), "allowlist"),
    (lambda d: d["indicators"][0].update(polarity="up_is_good"), "polarity"),
    (lambda d: d["indicators"][0].update(decimal_places=7), "decimal_places"),
    (lambda d: d["indicators"][0]["definition"].update(unit="furlongs"), "unit"),
    (lambda d: d["indicators"][0]["local"].update(query="no_such_family"), "does not exist"),
    (lambda d: d["indicators"][0]["local"].update(measure="no_such_measure"), "does not handle measure"),
    # quoted in assessments.sql, but as date_diff's unit ('day'), a setting ('Not recorded') or an outcome ('N')
    (lambda d: d["indicators"][0]["local"].update(measure="day"), "does not handle measure"),
    (lambda d: d["indicators"][0]["local"].update(measure="Not recorded"), "does not handle measure"),
    (lambda d: d["indicators"][0]["local"].update(measure="N"), "does not handle measure"),
    # a family's own breakdown that the assessments family does not give (it gives timeliness_band)
    (lambda d: (d["indicators"][0].update(breakdowns=[*d["indicators"][0]["breakdowns"], "cease_reason"]),
                d["indicators"][0]["local"].update(breakdowns=["cease_reason"])), "gives no column 'cease_reason'"),
    # an allowlisted breakdown that no local record carries (a published one)
    (lambda d: (d["indicators"][0].update(breakdowns=[*d["indicators"][0]["breakdowns"], "role"]),
                d["indicators"][0]["local"].update(breakdowns=["role"])), "cannot break down local figures"),
    (lambda d: d["indicators"][0]["local"].update(tables=["request", "child_secrets"]), "unknown source table"),
    (lambda d: d["indicators"][0].update(comparators=["galaxy"]), "comparators"),
    (lambda d: d["indicators"][0].pop("outcome"), "outcome"),
])
def test_a_broken_entry_stops_start_up_with_a_named_message(tmp_path, change, message):
    folder = _copy_catalogue(tmp_path)
    _edit(folder, "governance.yaml", change)
    with pytest.raises(CatalogueError) as error:
        load_catalogue(folder)
    assert "governance.yaml" in str(error.value)
    assert message in str(error.value)


def _family_folder(tmp_path: Path, addition: str) -> Path:
    """A copy of the local SQL folder whose assessments family has `addition` after its last line."""
    folder = tmp_path / "local"
    shutil.copytree(LOCAL_SQL_DIR, folder)
    path = folder / "assessments.sql"
    path.write_text(path.read_text() + addition)
    return folder


@pytest.mark.parametrize("addition, accepted", [
    ("-- WHEN 'ghost' THEN 1, or $measure = 'ghost'\n", False),  # only in a comment
    ("  AND c.outcome <> 'ghost'\n", False),  # quoted, but not compared with $measure
    ("  AND $measure <> 'ghost'\n", False),  # compared, but as the measure it is not
    ("  OR $measure = 'ghost'\n", True),  # the control: a real branch is accepted
    ("  OR 'ghost' = $measure\n", True),
    ("  OR $measure IN ('spectre', 'ghost')\n", True),
])
def test_a_measure_must_be_a_branch_of_the_family(tmp_path, monkeypatch, addition, accepted):
    monkeypatch.setattr(catalogue_module, "LOCAL_SQL_DIR", _family_folder(tmp_path, addition))
    folder = _copy_catalogue(tmp_path)
    _edit(folder, "governance.yaml", lambda d: d["indicators"][0]["local"].update(measure="ghost"))
    if accepted:
        assert load_catalogue(folder).get("ehcp_issued_20wk").local.measure == "ghost"
    else:
        with pytest.raises(CatalogueError, match="does not handle measure 'ghost'"):
            load_catalogue(folder)


def test_measure_branches_are_read_from_the_query_not_its_words():
    text = """-- $measure: 'commented' is not a branch
    SELECT CASE $measure WHEN 'a' THEN CASE x WHEN 'inner' THEN 1 END WHEN 'b' THEN 2 END,
           CASE y WHEN 'other' THEN $measure END
    WHERE $measure IN ('c', 'd') OR 'e' = $measure OR $measure = 'f' OR $measure <> 'g'"""
    assert handled_values(text, "measure") == {"a", "b", "c", "d", "e", "f"}


def test_the_frame_builds_exactly_the_local_breakdowns():
    assert frame_breakdowns() == {"Total", *LOCAL_BREAKDOWNS}
    assert LOCAL_BREAKDOWNS <= set(BREAKDOWNS)


def test_a_missing_theme_file_is_refused(tmp_path):
    folder = _copy_catalogue(tmp_path)
    (folder / "good_health.yaml").unlink()
    with pytest.raises(CatalogueError, match="good_health"):
        load_catalogue(folder)


def test_digest_changes_with_the_files(tmp_path):
    folder = _copy_catalogue(tmp_path)
    before = load_catalogue(folder).digest
    _edit(folder, "good_health.yaml", lambda d: d["indicators"][0].update(short_title="Confidence"))
    assert load_catalogue(folder).digest != before


def test_targets_come_from_the_area_file_or_the_environment(tmp_path, monkeypatch, catalogue):
    shipped = load_targets("E06000023", set(catalogue.indicators))
    assert shipped.targets["ehcp_issued_20wk"].target == 60
    assert load_targets("E09000001").targets == {}
    own = tmp_path / "targets.yaml"
    own.write_text("area_code: E06000023\ntargets:\n  ehcp_caseload: {target: 5000}\n")
    monkeypatch.setenv("SEND_TARGETS", str(own))
    assert load_targets("E06000023", set(catalogue.indicators)).targets["ehcp_caseload"].target == 5000
    own.write_text("area_code: E06000023\ntargets:\n  not_an_indicator: {target: 1}\n")
    with pytest.raises(TargetsError, match="not_an_indicator"):
        load_targets("E06000023", set(catalogue.indicators))


def test_every_indicator_states_its_band_of_similarity(catalogue, monkeypatch, tmp_path):
    """similar_within is data: a default per unit (indicators/similar_within.yaml), overridable per entry."""
    import indicators.catalogue as cat

    assert all(i.similar_within is not None and i.similar_within >= 0 for i in catalogue)
    assert catalogue.get("ehcp_issued_20wk").similar_within == 2.0  # percent default
    assert catalogue.get("ks4_attainment8_gap_ehcp").similar_within == 1.0  # gap default
    assert catalogue.get("send_appeal_rate_published").similar_within == 0.5  # the entry's own
    broken = tmp_path / "similar_within.yaml"
    broken.write_text("percent: 2.0\n", encoding="utf-8")  # every other unit missing
    monkeypatch.setattr(cat, "SIMILAR_FILE", broken)
    with pytest.raises(CatalogueError, match="every unit needs a default"):
        load_catalogue()


def test_the_statutory_clock_measures_are_marked_as_timeliness():
    # Their numerators count the service's decisions on time, so disclosure control looks at the denominator.
    from indicators.catalogue import default_catalogue

    marked = {i.id for i in default_catalogue() if i.definition.timeliness}
    assert marked == {"ehcp_issued_20wk", "ehcp_issued_20wk_ex", "requests_decided_6wk",
                      "assessments_not_issued_16wk", "health_advice_6wk", "annual_reviews_held",
                      "annual_reviews_4wk"}


def test_every_measure_a_page_shows_is_in_the_catalogue(catalogue):
    """dashboard/pages.yaml names catalogue ids and allowlisted breakdowns only, so a typo there is caught here
    rather than by a page that quietly shows one chart fewer."""
    from dashboard.views import page_measures

    pages = page_measures()
    ids = [*pages.clinic.timeliness, pages.clinic.default, *pages.commissioners.compared,
           *pages.commissioners.ranked, *pages.commissioners.demand, *pages.commissioners.placements,
           pages.commissioners.setting_mix]
    assert [i for i in ids if i not in catalogue] == []
    assert pages.clinic.default in pages.clinic.timeliness
    assert set(pages.commissioners.compared) <= set(pages.commissioners.ranked)
    assert [b for b in [*pages.clinic.causes, *pages.indicator.gap_breakdowns] if b not in BREAKDOWNS] == []
    assert all(catalogue.get(i).forecast for i in pages.commissioners.demand)  # demand is shown with a forecast


# --- a national numerator made of several published measures ------------------------------------------------

def _source(numerator, combine="ratio", **extra):
    from indicators.catalogue.model import NationalSource

    return NationalSource.model_validate({"dataset": "caseload", "topic": "All EHC plans", "combine": combine,
                                          "measures": [{"numerator": numerator, "denominator": "ehcplans", **extra}]})


def test_a_ratio_may_add_several_published_measures_over_one_denominator():
    source = _source(["special_independent", "special_non_maintained"])
    assert source.measures[0].numerator_parts == ["special_independent", "special_non_maintained"]
    assert _source("special_total").measures[0].numerator_parts == ["special_total"]
    assert _source(["a", "b"], combine="count").measures[0].numerator_parts == ["a", "b"]


@pytest.mark.parametrize("numerator, combine, message", [
    (["special_independent"], "ratio", "two or more different"),
    (["special_independent", "special_independent"], "ratio", "two or more different"),
    (["special_independent", ""], "ratio", "two or more different"),
    (["special_independent", "special_non_maintained"], "difference", "only a ratio or a count"),
    (["special_independent", "special_non_maintained"], "yes_no", "only a ratio or a count"),
])
def test_a_listed_numerator_is_refused_where_it_cannot_be_added(numerator, combine, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        _source(numerator, combine=combine)


def test_the_independent_special_share_adds_both_published_columns():
    indicator = load_catalogue().get("ehcp_independent_special")
    [source] = indicator.national
    assert source.combine == "ratio" and source.scale == 100
    assert source.measures[0].numerator_parts == ["special_independent", "special_non_maintained"]
    assert source.measures[0].denominator == "ehcplans"
    assert indicator.local.query == "caseload" and indicator.local.measure == "independent_special"
