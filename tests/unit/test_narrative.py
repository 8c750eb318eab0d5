"""The generated narrative on hand-worked benchmark blocks: which list (exactly the tile's rating), the numbers,
the link, the order, and the questions for the board."""

from __future__ import annotations

import re

from dashboard.components import rating
from dashboard.figures import Meta
from dashboard.narrative import GOING_WELL, NEEDS_ATTENTION, classify, evidence_href, narrative, questions
from indicators.results import Benchmark

LA, AREA = "E06000023", "Bristol, City of"


def ind(id_, title, polarity="high_is_good", unit="percent", places=1):
    return Meta(id_, title, title, unit, places, polarity)


def block(value, previous=None, direction="not assessed", *, period="2024", previous_period="2023", status="value",
          target=None, tolerance=0.0, rag=None, sn_mean=None, england=None, band=None, rank=None, out_of=153,
          published_period=None, la_value=None, vs_neighbours=None, vs_england=None):
    out = {"source": "national", "area_code": LA, "area_name": AREA, "period": period, "value": value, "status": status,
           "previous_period": previous_period if previous is not None else None, "previous_value": previous,
           "direction_of_travel": direction,
           "target": None if target is None else {"target": target, "tolerance": tolerance, "rag": rag}}
    if sn_mean is not None or england is not None or band is not None:
        out["published"] = {"period": published_period or period, "la_value": value if la_value is None else la_value,
                            "sn_mean": sn_mean, "england_value": england, "quartile_band": band, "rank": rank,
                            "rank_out_of": out_of}
        out["rag_against_neighbours"] = vs_neighbours
        out["rag_against_england"] = vs_england
    return Benchmark.model_validate(out)


PLANS = ind("ehcp_issued_20wk", "New EHC plans issued within 20 weeks")
DECISIONS = ind("requests_decided_6wk", "Decisions on requests made within 6 weeks")
ABSENCE = ind("persistent_absence_send", "Pupils with SEND who are persistently absent", "low_is_good")
COUNT = ind("ehcp_count", "EHC plans in place", "no_judgement", "count", 0)


def test_improving_and_above_neighbours_is_going_well_with_the_numbers_and_the_link():
    bench = block(57.0, 38.1, "improving", sn_mean=45.2, england=46.4, vs_neighbours="green", vs_england="green",
                  band="B", rank=40)
    out = narrative({PLANS.id: bench}, {PLANS.id: PLANS}, AREA)
    assert out[NEEDS_ATTENTION] == []
    [sentence] = out[GOING_WELL]
    assert sentence.text == (
        "New EHC plans issued within 20 weeks rose from 38.1% in 2023 to 57.0% in 2024. That is above the "
        "statistical neighbour average of 45.2% and above England's 46.4% (quartile band B, 40th of 153). Rated "
        "green against statistical neighbours: 11.8 percentage points better.")
    assert sentence.href == "/indicator/ehcp_issued_20wk?area=E06000023"
    assert sentence.reasons == ("green against statistical neighbours", "improving")


def test_worsening_and_below_target_needs_attention():
    bench = block(30.0, 40.0, "worsening", target=60.0, tolerance=5.0, rag="red")
    out = narrative({DECISIONS.id: bench}, {DECISIONS.id: DECISIONS}, AREA)
    assert out[GOING_WELL] == []
    [sentence] = out[NEEDS_ATTENTION]
    assert sentence.text == ("Decisions on requests made within 6 weeks fell from 40.0% in 2023 to 30.0% in 2024, "
                             "short of the target of 60.0% by 30.0 percentage points.")
    assert sentence.priority == 1 and sentence.reasons == ("red against its target", "worsening")


def test_improvement_still_short_of_target_says_both():
    bench = block(26.4, 17.3, "improving", period="2025", previous_period="2024", target=60.0, tolerance=10.0,
                  rag="red", sn_mean=47.49, england=45.9, band="D", rank=131, published_period="2024", la_value=17.3,
                  vs_neighbours="red", vs_england="red")
    [sentence] = narrative({PLANS.id: bench}, {PLANS.id: PLANS}, AREA)[NEEDS_ATTENTION]
    assert sentence.text == (
        "New EHC plans issued within 20 weeks rose from 17.3% in 2024 to 26.4% in 2025, but is short of the target "
        "of 60.0% by 33.6 percentage points. In 2024, the latest published figures, Bristol, City of's 17.3% was "
        "below the statistical neighbour average of 47.5% and below England's 45.9%, in the worst quarter of "
        "councils (band D, 131st of 153).")


def test_lower_is_better_a_fall_is_an_improvement():
    bench = block(25.9, 28.4, "improving", period="202425", previous_period="202324", target=26.0, rag="green")
    [sentence] = narrative({ABSENCE.id: bench}, {ABSENCE.id: ABSENCE}, AREA)[GOING_WELL]
    assert sentence.text == ("Pupils with SEND who are persistently absent fell from 28.4% in 2023/24 to 25.9% in "
                             "2024/25, meeting the target of 26.0%.")


def test_improving_alone_does_not_make_a_measure_go_well():
    """The lists are the ratings: a significant improvement with no rating is told nowhere as a judgement."""
    bench = block(25.9, 28.4, "improving", period="202425", previous_period="202324")
    assert classify(bench, ABSENCE)[0] is None


def test_no_judgement_indicator_is_never_judged():
    # As the engine gives it: no rating of any kind for a measure where more is neither good nor bad.
    bench = block(4000, 3000, "increasing", target=3500, rag=None, sn_mean=5000, england=600000, band=None,
                  rank=150)
    assert classify(bench, COUNT) == (None, 0, ())
    out = narrative({COUNT.id: bench}, {COUNT.id: COUNT}, AREA)
    assert out == {GOING_WELL: [], NEEDS_ATTENTION: []}


def test_suppressed_or_missing_value_gives_no_sentence():
    suppressed = block(None, 40.0, "not assessed", status="c", target=60.0, rag=None)
    stale = block(12.0, 40.0, "worsening", status="x")  # a status other than value: never judged on a number
    missing = block(None)
    benches = {"a": suppressed, "b": stale, "c": missing}
    indicators = {k: ind(k, f"Indicator {k}") for k in benches}
    assert narrative(benches, indicators, AREA) == {GOING_WELL: [], NEEDS_ATTENTION: []}


def test_amber_or_no_significant_change_alone_says_nothing():
    bench = block(58.0, 57.0, "no significant change", target=60.0, tolerance=5.0, rag="amber")
    assert classify(bench, PLANS)[0] is None


def test_count_is_not_compared_with_the_england_total():
    neet = ind("ehcp_neet", "Young people with an EHC plan not in education or training", "low_is_good", "count", 0)
    bench = block(268, 275, "no significant change", sn_mean=180.0, england=18056, band="D", rank=128,
                  vs_neighbours="red", vs_england="green")
    [sentence] = narrative({neet.id: bench}, {neet.id: neet}, AREA)[NEEDS_ATTENTION]
    assert "England" not in sentence.text
    assert "above the statistical neighbour average of 180" in sentence.text


def test_order_is_by_importance_then_catalogue_order_and_each_indicator_appears_once():
    indicators = {k: ind(k, f"Indicator {k}") for k in ["first", "second", "third", "fourth", "fifth", "sixth"]}
    benches = {
        "sixth": block(50.0, 40.0, "worsening", sn_mean=49.0, england=60.0, vs_neighbours="amber",
                       vs_england="red"),  # rated against neighbours (similar): amber, in neither list
        "fifth": block(50.0, sn_mean=60.0, england=55.0, band="D", rank=140, vs_neighbours="red",
                       vs_england="red"),  # red against neighbours: priority 2
        "fourth": block(50.0, target=80.0, rag="red"),  # red against target: priority 1
        "third": block(50.0, target=70.0, rag="red", band="D", rank=150, sn_mean=60.0, england=60.0,
                       vs_neighbours="red", vs_england="red"),  # priority 1, earlier in the catalogue
        "second": block(90.0, target=80.0, rag="green"),  # going well, priority 1
        "first": block(90.0, 80.0, "improving", england=70.0, band="A", rank=3,
                       vs_england="green"),  # going well against England, priority 3
    }
    out = narrative(benches, indicators, AREA)
    assert [s.indicator_id for s in out[NEEDS_ATTENTION]] == ["third", "fourth", "fifth"]
    assert [s.indicator_id for s in out[GOING_WELL]] == ["second", "first"]
    reversed_input = dict(reversed(list(benches.items())))
    assert narrative(reversed_input, indicators, AREA) == out  # deterministic, whatever the dict order
    assert [s.indicator_id for s in narrative(benches, indicators, AREA, limit=2)[NEEDS_ATTENTION]] == [
        "third", "fourth"]
    # The lists are the ratings, measure by measure: red is attention, green going well, amber neither.
    for indicator_id, bench in benches.items():
        rag = rating(bench)[0]
        assert (indicator_id in {s.indicator_id for s in out[NEEDS_ATTENTION]}) == (rag == "red")
        assert (indicator_id in {s.indicator_id for s in out[GOING_WELL]}) == (rag == "green")


def test_sentences_are_plain_english_without_ids_or_stray_words():
    indicators = {PLANS.id: PLANS, DECISIONS.id: DECISIONS}
    benches = {PLANS.id: block(57.0, 38.1, "improving", sn_mean=None, england=None, band="A", rank=2),
               DECISIONS.id: block(30.0, None, "not assessed", target=60.0, rag="red")}
    out = narrative(benches, indicators, AREA)
    for sentence in out[GOING_WELL] + out[NEEDS_ATTENTION]:
        assert not re.search(r"\b(None|nan|NaN)\b|_", sentence.text), sentence.text
        assert sentence.text.endswith(".")


def test_evidence_href_is_escaped():
    assert evidence_href("ehcp_issued_20wk", "E06000023") == "/indicator/ehcp_issued_20wk?area=E06000023"
    assert evidence_href("x y", "a&b") == "/indicator/x%20y?area=a%26b"


def test_titles_read_as_the_subject_of_a_sentence():
    gap = ind("ks2_gap", "Gap in KS2 reading, writing and maths between pupils with no SEN and pupils with an EHC plan",
              "low_is_good", "gap_points")
    aside = ind("ks2_progress", "KS2 reading progress score, pupils with an EHC plan", places=2, unit="mean_score")
    benches = {"ks2_gap": block(62.0, 66.0, "improving", period="202425", previous_period="202324", target=65.0,
                                rag="green"),
               "ks2_progress": block(-6.03, -5.0, "worsening", period="202223", previous_period="202122", target=-5.0,
                                     rag="red")}
    out = narrative(benches, {"ks2_gap": gap, "ks2_progress": aside}, AREA)
    assert out[GOING_WELL][0].text.startswith(
        "Gap in KS2 reading, writing and maths between pupils with no SEN and pupils with an EHC plan fell from "
        "66.0 points in 2023/24 to 62.0 points in 2024/25")
    assert out[NEEDS_ATTENTION][0].text == (
        "KS2 reading progress score, pupils with an EHC plan, fell from -5.00 in 2021/22 to -6.03 in 2022/23, "
        "short of the target of -5.00 by 1.03 points.")


def test_questions_are_two_or_three_each_about_a_rated_measure_and_linked_to_its_evidence():
    indicators = {PLANS.id: PLANS, DECISIONS.id: DECISIONS, ABSENCE.id: ABSENCE}
    benches = {
        DECISIONS.id: block(30.0, 40.0, "worsening", target=60.0, tolerance=5.0, rag="red"),
        PLANS.id: block(46.0, sn_mean=45.9, england=46.4, vs_neighbours="amber", vs_england="amber"),
        ABSENCE.id: block(20.0, target=26.0, rag="green"),
    }
    asked = questions(benches, indicators, area_code=LA)
    assert [q.indicator_id for q in asked] == ["requests_decided_6wk", "ehcp_issued_20wk", "persistent_absence_send"]
    assert [q.text for q in asked] == [
        "What would it take for decisions on requests made within 6 weeks to reach the target of 60.0% (now 30.0%), "
        "and by when?",
        "New EHC plans issued within 20 weeks is similar to the statistical neighbour average (46.0% against 45.9%): "
        "is that where the partnership wants it to be?",
        "What has made the difference to pupils with SEND who are persistently absent, and how do we keep it there?"]
    assert all(q.href == f"/indicator/{q.indicator_id}?area={LA}" for q in asked)
    # Unrated measures raise no question; never more than three; the most pressing red ones first.
    assert questions({PLANS.id: block(46.0)}, indicators) == []
    many = {f"m{i}": block(30.0, sn_mean=40.0 + i, vs_neighbours="red") for i in range(5)}
    many["well"] = block(50.0, target=45.0, rag="green")
    asked = questions(many, {k: ind(k, f"Measure {k}") for k in many})
    assert [q.indicator_id for q in asked] == ["m0", "well", "m1"]
    assert asked[0].text == ("What do our statistical neighbours do differently on measure m0 (30.0% against 40.0%), "
                             "and what could we adopt?")
