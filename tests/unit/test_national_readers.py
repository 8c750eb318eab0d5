"""National readers against figures checked by hand in the published files, and against broken files.

Some tests read the real published files kept in the repository (`data/published/`, big CSVs gzip-compressed);
the others build small files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from data.bundle import PUBLISHED_DIR, published_file
from data.errors import SourceError
from data.sources import inclusion, lait, lookups, statistical_neighbours
from data.sources.national import bundle_resolver, read_national


def published(rel: str) -> Path:
    """A published file in the repository by its published name (the compressed copy where that is kept)."""
    return published_file(PUBLISHED_DIR, rel)


@pytest.fixture(scope="module")
def resolver() -> lookups.AreaResolver:
    return bundle_resolver()


def write_csv(path: Path, text: str, bom: bool = False) -> Path:
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


# ---------------------------------------------------------------------------------------------------------
# DfE tidy


def test_england_caseload_202425_is_the_published_total():
    facts = read_national(published("national/ehcp_2025/caseload.csv"))["national_fact"]
    row = facts[(facts["geographic_level"] == "National") & (facts["time_period"] == "202425")
                & (facts["breakdown"] == "All EHC plans") & (facts["measure"] == "ehcplans")]
    assert row["value"].tolist() == [638745.0]
    assert row["area_code"].tolist() == ["E92000001"]


def test_annual_reviews_are_not_double_counted():
    facts = read_national(published("national/ehcp_2025/annual_reviews.csv"))["national_fact"]
    assert not facts.duplicated(["time_period", "area_code", "breakdown_topic", "breakdown", "measure"]).any()


TIDY_HEAD = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
             "new_la_code,old_la_code,la_name,breakdown_topic,breakdown,")


def test_a_column_published_twice_with_the_same_values_is_counted_once(tmp_path):
    # annual_reviews.csv (2025) repeats review_meeting_prior_24; both copies hold the same numbers.
    path = write_csv(tmp_path / "annual_reviews.csv", TIDY_HEAD + "reviews,review_meeting_prior_24,review_meeting_prior_24\n"
                     "2024,Calendar year,National,E92000001,England,,,,,,Total,Total,10,4,4\n", bom=True)
    facts = read_national(path)["national_fact"]
    assert sorted(facts["measure"]) == ["review_meeting_prior_24", "reviews"]


def test_a_column_published_twice_with_different_values_is_refused(tmp_path):
    path = write_csv(tmp_path / "annual_reviews.csv", TIDY_HEAD + "reviews,reviews\n"
                     "2024,Calendar year,National,E92000001,England,,,,,,Total,Total,10,11\n")
    with pytest.raises(SourceError, match="two different columns named 'reviews'"):
        read_national(path)


# ---------------------------------------------------------------------------------------------------------
# Statistical neighbours

# Bristol (801) in sn_may_2025.xlsx, copied by hand from the sheet: SN1..SN10 and the label beside each.
BRISTOL_2025 = [("846", "Close"), ("383", "Close"), ("882", "Close"), ("373", "Close"), ("826", "Close"),
                ("851", "Close"), ("870", "Close"), ("302", "Close"), ("839", "Somewhat close"),
                ("382", "Somewhat close")]


def test_bristol_neighbours_and_proximity_from_the_2025_workbook(resolver):
    sn = statistical_neighbours.read_stat_neighbours_xlsx(published("national/statistical_neighbours/sn_may_2025.xlsx"), resolver)
    bristol = sn[sn["old_la_code"] == "801"].sort_values("sn_rank")
    assert list(zip(bristol["sn_old_la_code"], bristol["proximity"], strict=True)) == BRISTOL_2025
    assert bristol["sn_rank"].tolist() == list(range(1, 11))
    assert set(bristol["model"]) == {"2025-05"}
    assert set(bristol["new_la_code"]) == {"E06000023"}
    first = bristol.iloc[0]
    assert (first["sn_new_la_code"], first["sn_la_name"]) == ("E06000043", "Brighton and Hove")
    assert bool(first["la_is_current"])


def test_2021_model_normalises_capitalised_labels_and_drops_las_without_neighbours(resolver):
    sn = statistical_neighbours.read_stat_neighbours_xlsx(published("national/statistical_neighbours/sn_april_2021.xlsx"), resolver)
    bristol = sn[sn["old_la_code"] == "801"].set_index("sn_rank")
    assert (bristol.loc[1, "sn_old_la_code"], bristol.loc[1, "proximity"]) == ("851", "Very close")  # "Very Close"
    assert set(sn["model"]) == {"2021-04"}
    assert not sn["old_la_code"].isin(["942", "943"]).any()  # Cumberland, Westmorland: "-" in every SN column
    assert set(sn["proximity"]) <= set(statistical_neighbours.PROXIMITY_LABELS)


def test_2025_workbook_keeps_the_five_former_las_flagged(resolver):
    sn = statistical_neighbours.read_stat_neighbours_xlsx(published("national/statistical_neighbours/sn_may_2025.xlsx"), resolver)
    per_la = sn.groupby("old_la_code")["la_is_current"].first()
    assert len(per_la) == 158
    assert sorted(per_la[~per_la].index) == ["835", "836", "837", "909", "928"]
    former = sn[~sn["la_is_current"]].drop_duplicates("old_la_code").set_index("old_la_code")
    assert former.loc["909", "new_la_code"] == "E10000006"  # Cumbria
    assert former.loc["835", "new_la_code"] == "E10000009"  # Dorset (Pre LG)
    assert set(sn["proximity"]) == set(statistical_neighbours.PROXIMITY_LABELS)


def test_workbook_agrees_with_the_published_long_file(resolver):
    ours = statistical_neighbours.read_stat_neighbours_xlsx(published("national/statistical_neighbours/sn_may_2025.xlsx"), resolver)
    theirs = pd.read_csv(published("national/statistical_neighbours/statistical_neighbours_may2025_long.csv"), dtype=str)
    theirs["sn_rank"] = theirs["sn_rank"].astype(int)
    merged = ours.merge(theirs, on=["old_la_code", "sn_rank"], how="outer", suffixes=("", "_pub"), indicator=True)
    assert set(merged["_merge"]) == {"both"} and len(merged) == 1580
    for column in ("new_la_code", "la_name", "sn_old_la_code", "sn_new_la_code", "sn_la_name"):
        assert (merged[column].astype(str) == merged[f"{column}_pub"].astype(str)).all(), column
    assert (merged["proximity"].str.lower() == merged["sn_proximity"].str.lower()).all()


@pytest.mark.parametrize(("raw", "expected"), [
    ("Extremely close", "Extremely close"), ("Extremely Close", "Extremely close"), ("VERY CLOSE", "Very close"),
    (" very  close ", "Very close"), ("Close", "Close"), ("Somewhat close", "Somewhat close"),
    ("somewhat_close", "Somewhat close"), ("Not Close", "Not close"), ("not close", "Not close"),
    ("-", None), ("", None), (None, None),
])
def test_proximity_labels_normalise_to_the_fixed_vocabulary(raw, expected):
    out = statistical_neighbours.normalise_proximity(pd.Series([raw], dtype="string")).iat[0]
    assert (out if pd.notna(out) else None) == expected


@pytest.mark.parametrize(("name", "model"), [
    ("sn_may_2025.xlsx", "2025-05"), ("sn_april_2021.xlsx", "2021-04"), ("SN_June2026.xlsx", "2026-06"),
    ("statistical_neighbours_may2025_long.csv", "2025-05"), ("sn_2027_03.xlsx", "2027-03"), ("sn.xlsx", None),
])
def test_model_comes_from_the_release_name(name, model):
    assert statistical_neighbours.model_from_name(Path(name)) == model


def _sn_workbook(path: Path, sheet: str = "LA SN Groups", name_heading: str = "LA Name") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["A", "B", "C", "D", "E", *range(3, 23)])
    ws.append(list(range(1, 26)))
    header = ["LA num", name_heading, "LA number", "GOInd", "GOReg"]
    for rank in range(1, 11):
        header += [f"SN{rank}", "SNP"]
    ws.append(header)
    neighbours = ["846", "383", "882", "373", "826", "851", "870", "302", "839", "382"]
    row = [801, "Bristol, City of", 801, 7, "South West"]
    for i, code in enumerate(neighbours):
        row += [int(code), "Very Close" if i == 0 else " close"]
    ws.append(row)
    book.save(path)
    return path


def test_a_small_workbook_in_the_published_layout_reads(tmp_path, resolver):
    sn = statistical_neighbours.read_stat_neighbours_xlsx(_sn_workbook(tmp_path / "sn_may_2026.xlsx"), resolver)
    assert len(sn) == 10 and set(sn["model"]) == {"2026-05"}
    assert sn["proximity"].tolist() == ["Very close"] + ["Close"] * 9


def test_wrong_sheet_name_names_the_sheet_and_the_fix(tmp_path, resolver):
    path = _sn_workbook(tmp_path / "sn_may_2026.xlsx", sheet="Sheet1")
    with pytest.raises(SourceError) as caught:
        statistical_neighbours.read_stat_neighbours_xlsx(path, resolver)
    message = str(caught.value)
    assert "sn_may_2026.xlsx" in message and "no sheet named 'LA SN Groups'" in message
    assert "Fix: rename the statistical neighbours sheet to 'LA SN Groups'" in message


def test_renamed_column_names_the_missing_column_and_the_fix(tmp_path, resolver):
    path = _sn_workbook(tmp_path / "sn_may_2026.xlsx", name_heading="Authority")
    with pytest.raises(SourceError) as caught:
        statistical_neighbours.read_stat_neighbours_xlsx(path, resolver)
    assert "missing column(s) LA Name" in caught.value.problem
    assert "SN1..SN10" in caught.value.fix


def test_workbook_without_a_model_in_its_name_is_refused(tmp_path, resolver):
    path = _sn_workbook(tmp_path / "neighbours.xlsx")
    with pytest.raises(SourceError, match="which statistical neighbour model"):
        statistical_neighbours.read_stat_neighbours_xlsx(path, resolver)


# ---------------------------------------------------------------------------------------------------------
# LAIT

PERIODS = [  # (label, dictionary Year_Type, time_period, time_identifier)
    ("2024", "Calendar Year", "2024", "Calendar year"),
    ("2024", "Academic Year", "202324", "Academic year"),
    ("2024", "Financial Year", "202324", "Financial year"),
    ("2024", "Annual - January", "202324", "Academic year"),
    ("2023/24", "Academic Year", "202324", "Academic year"),
    ("2023/24", "Calendar Year", "202324", "Academic year"),
    ("2023-24", "Financial Year", "202324", "Financial year"),
    ("2023-24 (OT)", "Financial Year", "202324", "Financial year"),
    ("2016-17 (OT)", "financial year", "201617", "Financial year"),
    ("2025 (prov)", "Academic Year", "202425", "Academic year (provisional)"),
    ("2024 (Rev)", "Academic Year", "202324", "Academic year (revised)"),
    ("2024 (Rev)", "Calendar Year", "2024", "Calendar year (revised)"),
    (" 2019/2020 ", "Academic Year", "201920", "Academic year"),
    ("1999/00", "Academic Year", "199900", "Academic year"),
    ("2020 (est)", "Calendar Year", "2020", "Calendar year (est)"),
]


@pytest.mark.parametrize(("label", "year_type", "period", "identifier"), PERIODS)
def test_lait_year_labels_become_dfe_periods(label, year_type, period, identifier):
    assert lait.normalise_period(label, year_type) == (period, identifier)


@pytest.mark.parametrize(("label", "year_type"), [
    ("24", "Academic Year"), ("2023/25", "Academic Year"), ("Summer 2024", "Academic Year"),
    ("2024", "Fortnightly"), ("2024", None),
])
def test_unreadable_lait_periods_are_refused(label, year_type):
    with pytest.raises(ValueError):
        lait.normalise_period(label, year_type)


@pytest.fixture(scope="module")
def lait_facts(resolver):
    measures = lait.read_lait_dictionary(published("national/lait/lait_send_measures_dictionary.csv"))
    return lait.read_lait_long(published("national/lait/lait_send_measures_long.csv"), measures, resolver)


def _one(facts: pd.DataFrame, measure: str, area: str, period: str) -> pd.Series:
    rows = facts[(facts["measure"] == measure) & (facts["area_code"] == area) & (facts["time_period"] == period)]
    assert len(rows) == 1, (measure, area, period, len(rows))
    return rows.iloc[0]


def test_lait_values_and_their_periods(lait_facts):
    # lait_send_measures_long.csv line 38098: SEN_TotStat,,2025,"Bristol, City of",5.0999999999999996,801.0
    row = _one(lait_facts, "SEN_TotStat", "E06000023", "202425")
    assert (row["value"], row["time_identifier"], row["status"]) == (5.1, "Academic year", "value")
    # line 83318: KS1P_EHCP,,2025 (prov),"Bristol, City of",21
    row = _one(lait_facts, "KS1P_EHCP", "E06000023", "202425")
    assert (row["value"], row["time_identifier"]) == (21.0, "Academic year (provisional)")
    # line 1350: SENFinance,,2023-24 (OT),England,110,970.0,NA
    row = _one(lait_facts, "SENFinance", "E92000001", "202324")
    assert (row["value"], row["time_identifier"], row["geographic_level"]) == (110.0, "Financial year", "National")
    # line 36710: SEN_TotStat,...,2016,England,2.8,970.0 (academic 2016 = 2015/16)
    assert _one(lait_facts, "SEN_TotStat", "E92000001", "201516")["value"] == 2.8


def test_lait_areas_resolve_to_codes(lait_facts):
    assert lait_facts["area_code"].notna().all()
    regions = lait_facts[lait_facts["geographic_level"] == "Regional"]
    assert set(regions["area_code"]) == {f"E1200000{i}" for i in range(1, 10)} | {"E13000001", "E13000002"}
    bedford = lait_facts[lait_facts["old_la_code"] == "822"]  # published as "Bedford Borough"
    assert set(bedford["area_code"]) == {"E06000055"}


def test_lait_dash_is_null_with_status_x(lait_facts):
    # line 13: SENFinance,SEN Finance,2016-17 (OT),"Bournemouth, Christchurch and Poole",-,839.0
    row = _one(lait_facts, "SENFinance", "E06000058", "201617")
    assert np.isnan(row["value"]) and row["status"] == "x"
    assert lait_facts.loc[lait_facts["status"] != "value", "value"].isna().all()


def test_lait_dictionary_polarity_and_decimal_places():
    measures = lait.read_lait_dictionary(published("national/lait/lait_send_measures_dictionary.csv")).set_index("measure_short")
    assert measures.index.is_unique and len(measures) == 78
    assert measures.loc["SEN_AppealableDec", "polarity"] == "low_is_good"
    assert measures.loc["SEN_AppealableDec", "decimal_places"] == 2
    assert measures.loc["KS1P_EHCP", "polarity"] == "high_is_good"
    assert measures.loc["LAC_SEN", "polarity"] == "no_judgement"  # published as "-"
    assert measures.loc["SENFinance", "year_type"] == "Financial Year"
    assert not measures.loc["SEN_AN_REVIEW_EXPECTED", "show_quartiles"]  # No_Quartile = N


@pytest.mark.parametrize(("raw", "expected"), [
    ("High", "high_is_good"), ("low", "low_is_good"), ("Higher is better", "high_is_good"), ("-", "no_judgement"),
    ("", "no_judgement"), (None, "no_judgement"),
])
def test_polarity_vocabulary(raw, expected):
    assert lait.normalise_polarity(raw) == expected


LAIT_DICTIONARY = "Measure_code,Topic,Measure,Measure_short,Polarity,y_axis_name,Year_Type,dps,No_Quartile,Description\n" \
    "388,Children with SEN,Appeal rate,SEN_AppealableDec,Low,% of appeals,Calendar Year,2.0,,Appeals\n"


def test_lait_long_with_bom_symbols_and_zero(tmp_path, resolver):
    measures = lait.read_lait_dictionary(write_csv(tmp_path / "dictionary.csv", LAIT_DICTIONARY, bom=True))
    long = write_csv(tmp_path / "lait.csv", (
        "Short Desc,Data item,Years,LA and Regions,Values,LA Number,Region\n"
        "SEN_AppealableDec,Appeal rate,2024,\"Bristol, City of\",1.5,801.0,South West\n"
        "SEN_AppealableDec,,2024,Rutland,0,857.0,East Midlands\n"
        "SEN_AppealableDec,,2024,Barnet,-,302.0,Outer London\n"
        "SEN_AppealableDec,,2024,Camden,x,202.0,Inner London\n"
        "SEN_AppealableDec,,2024,Hackney,c,204.0,Inner London\n"
        "SEN_AppealableDec,,2024,Islington,..,206.0,Inner London\n"
        "SEN_AppealableDec,,2024 (Rev),England,1.2,970.0,NA\n"
        "\n"), bom=True)
    facts = lait.read_lait_long(long, measures, resolver).set_index("area_name")
    assert facts.loc["Bristol, City of", "value"] == 1.5
    assert (facts.loc["Rutland", "value"], facts.loc["Rutland", "status"]) == (0.0, "value")  # a true zero
    for name, status in (("Barnet", "x"), ("Camden", "x"), ("Hackney", "c"), ("Islington", "x")):
        assert np.isnan(facts.loc[name, "value"]) and facts.loc[name, "status"] == status
    assert facts.loc["England", "time_identifier"] == "Calendar year (revised)"
    assert facts["dataset"].eq("lait").all() and facts["time_period"].eq("2024").all()


def test_lait_long_missing_column_names_it(tmp_path, resolver):
    measures = lait.read_lait_dictionary(write_csv(tmp_path / "dictionary.csv", LAIT_DICTIONARY))
    long = write_csv(tmp_path / "lait.csv", "Short Desc,Data item,Year,LA and Regions,Values,LA Number,Region\n"
                     "SEN_AppealableDec,,2024,Barnet,1,302.0,Outer London\n")
    with pytest.raises(SourceError) as caught:
        lait.read_lait_long(long, measures, resolver)
    assert "missing column(s) years" in caught.value.problem
    assert "original column names" in caught.value.fix


def test_lait_measure_missing_from_dictionary_is_refused(tmp_path, resolver):
    measures = lait.read_lait_dictionary(write_csv(tmp_path / "dictionary.csv", LAIT_DICTIONARY))
    long = write_csv(tmp_path / "lait.csv", "Short Desc,Data item,Years,LA and Regions,Values,LA Number,Region\n"
                     "NEW_MEASURE,,2024,Barnet,1,302.0,Outer London\n")
    with pytest.raises(SourceError, match="missing from the LAIT dictionary: NEW_MEASURE"):
        lait.read_lait_long(long, measures, resolver)


# ---------------------------------------------------------------------------------------------------------
# SEND and AP dashboard files


def test_tribunal_appeal_rate_as_published(resolver):
    facts = inclusion.read_inclusion_facts(published("national/inclusion/tribunals.csv"), resolver)
    # tribunals.csv: Darlington,appealrate,2017,2.88...E-3,0.29,North East,Local authority,North East
    darlington = facts[(facts["area_code"] == "E06000005") & (facts["time_period"] == "2017")]
    assert darlington["value"].tolist() == [0.29]
    assert darlington["time_identifier"].tolist() == ["Calendar year"]
    assert set(facts["dataset"]) == {"tribunals"} and facts["area_code"].notna().all()


def test_names_shared_by_two_las_resolve_by_period(resolver):
    facts = inclusion.read_inclusion_facts(published("national/inclusion/tribunals.csv"), resolver)
    dorset = facts[facts["area_name"] == "Dorset"].set_index("time_period")["area_code"]
    assert dorset["2017"] == "E10000009" and dorset["2018"] == "E10000009"  # the county, until March 2019
    assert dorset["2019"] == "E06000059" and dorset["2022"] == "E06000059"  # the unitary, since April 2019


def test_dsg_deficit_and_specialist_spend(resolver):
    dsg = inclusion.read_inclusion_facts(published("national/inclusion/dsg_deficit.csv"), resolver)
    england = dsg[(dsg["area_code"] == "E92000001") & (dsg["time_period"] == "201920")].set_index("measure")
    assert england.loc["dsg_deficit_pct_income", "value"] == 1.08  # dsg_deficit.csv: 201920,National,England,,1.08
    assert england.loc["dsg_deficit_pct_income", "time_identifier"] == "Financial year"
    spend = inclusion.read_inclusion_facts(published("national/inclusion/specialist_spend.csv"), resolver)
    north = spend[(spend["area_code"] == "E06000061") & (spend["time_period"] == "201819")
                  & (spend["breakdown"] == "State")].set_index("measure")
    assert (north.loc["spend_per_head", "value"], north.loc["spend_per_head", "status"]) == (0.0, "value")
    assert np.isnan(north.loc["total_spend", "value"]) and north.loc["total_spend", "status"] == "x"  # blank


def test_la_name_variants_map_to_one_code(tmp_path, resolver):
    path = write_csv(tmp_path / "tribunals.csv", (
        "la_name,metric,year,value,SEND Tribunal Appeal Rate,region,geographic_level,region_name\n"
        "\"Bristol, City of\",appealrate,2022,0.01,1.0,South West,Local authority,South West\n"
        "Bristol,appealrate,2021,0.01,1.1,South West,Local authority,South West\n"
        "City of Bristol,appealrate,2020,0.01,1.2,South West,Local authority,South West\n"
        "Telford & Wrekin,appealrate,2022,0.01,2.0,West Midlands,Local authority,West Midlands\n"
        "St. Helens,appealrate,2022,0.01,3.0,North West,Local authority,North West\n"
        "Durham,appealrate,2022,0.01,4.0,North East,Local authority,North East\n"
        "Kingston Upon Hull,appealrate,2022,0.01,5.0,Yorkshire,Local authority,Yorkshire and The Humber\n"
        "Herefordshire,appealrate,2022,0.01,6.0,West Midlands,Local authority,West Midlands\n"
        "England,appealrate,2022,0.01,7.0,,National,England\n"), bom=True)
    facts = inclusion.read_inclusion_facts(path, resolver)
    assert facts["area_code"].tolist() == ["E06000023"] * 3 + ["E06000020", "E08000013", "E06000047", "E06000010",
                                                             "E06000019", "E92000001"]


def test_levels_are_normalised_and_other_levels_left_out(tmp_path, resolver):
    path = write_csv(tmp_path / "dsg.csv", (
        "time_period,geographic_level,region_name,la_name,deficit,DSG cumulative balance as a % of the total income\n"
        "202122,NATIONAL,England,,2.26,-2.26\n"
        "202122,local authority,South West,\"Bristol, City of\",1.5,-1.5\n"
        "202122,Parliamentary constituency,South West,Bristol West,9,-9\n"))
    facts = inclusion.read_inclusion_facts(path, resolver)
    assert sorted(set(facts["area_code"])) == ["E06000023", "E92000001"]
    assert set(facts["geographic_level"]) == {"National", "Local authority"}


def test_unknown_la_name_is_refused_with_the_name(tmp_path, resolver):
    path = write_csv(tmp_path / "tribunals.csv", "la_name,year,SEND Tribunal Appeal Rate\nAtlantis,2022,1.0\n")
    with pytest.raises(SourceError, match="Atlantis"):
        inclusion.read_inclusion_facts(path, resolver)


def test_missing_measure_column_names_it(tmp_path, resolver):
    path = write_csv(tmp_path / "dsg.csv", "time_period,geographic_level,region_name,la_name,deficit,financial_year\n"
                                           "201920,National,England,,1.08,2019-20\n")
    with pytest.raises(SourceError) as caught:
        inclusion.read_inclusion_facts(path, resolver, inclusion.FACT_SPECS["dsg_deficit"])
    assert "dsg_cumulative_balance_as_a_of_the_total_income" in caught.value.problem


def test_area_inspections_from_both_ofsted_files(resolver):
    rows = inclusion.combine_inspections([inclusion.read_ofsted(published("national/inclusion/ofsted.csv"), resolver),
                                          inclusion.read_mi_ofsted(published("national/inclusion/mi_ofsted_winter_2223.csv"), resolver)])
    herts = rows[(rows["la_code"] == "E10000015") & (rows["framework"] == inclusion.FRAMEWORK_2023)].iloc[0]
    # mi_ofsted_winter_2223.csv: Hertfordshire, 10/07/2023, 10/11/2023, Widespread and/or systemic failings, Yes, 2
    assert herts["publication_date"] == pd.Timestamp("2023-11-10")
    assert herts["inspection_start_date"] == pd.Timestamp("2023-07-10")
    assert herts["outcome"] == "Widespread and/or systemic failings"
    assert bool(herts["priority_action_plan"]) and herts["priority_action_areas"] == 2
    # ofsted.csv: Darlington, E06000005, 2022-04-13, WSoA Yes, not revisited
    darlington = rows[(rows["la_code"] == "E06000005") & (rows["framework"] == inclusion.FRAMEWORK_2016)].iloc[0]
    assert darlington["publication_date"] == pd.Timestamp("2022-04-13") and bool(darlington["wsoa_required"])
    assert not rows.duplicated(["la_code", "framework", "publication_date"]).any()
    assert rows["framework"].value_counts().to_dict() == {inclusion.FRAMEWORK_2016: 150, inclusion.FRAMEWORK_2023: 16}


def test_la_to_nhs_geography(resolver):
    sub_icb = lookups.read_sub_icb(published("lookups/sub_icb_to_icb_to_nhse_region_jul2022.csv"))
    nhs = inclusion.read_la_ccg(published("national/inclusion/la_ccg_lookup.csv"), resolver, sub_icb)
    hartlepool = nhs[nhs["la_code"] == "E06000001"].iloc[0]
    assert (hartlepool["ccg_code"], hartlepool["sub_icb_code"], hartlepool["icb_code"],
            hartlepool["nhs_region_code"]) == ("16C", "E38000247", "E54000050", "E40000012")
    assert nhs[nhs["la_code"] == "E10000012"]["la_ccg_count"].iat[0] == 5  # Essex: five former CCGs
    assert nhs[["sub_icb_code", "icb_code", "nhs_region_code"]].notna().all().all()


# ---------------------------------------------------------------------------------------------------------
# Lookups


@pytest.mark.parametrize(("a", "b"), [
    ("Bristol, City of", "Bristol"), ("City of Bristol", "Bristol"), ("Telford & Wrekin", "Telford and Wrekin"),
    ("St. Helens", "St Helens"), ("Durham", "County Durham"), ("Bedford Borough", "Bedford"),
    ("Kingston Upon Hull, City of", "Kingston upon Hull"), ("Herefordshire, County of", "Herefordshire"),
    ("London (Inner)", "Inner London"), ("Yorkshire and the Humber", "Yorkshire and The Humber"),
    ("Dorset (Pre LG)", "Dorset"), ("\ufeffBarnet", "Barnet"),
])
def test_name_keys_match_publishers_spellings(a, b):
    assert lookups.name_key(a) == lookups.name_key(b)


def test_city_of_london_is_not_london():
    assert lookups.name_key("City of London") != lookups.name_key("London")


def test_codes_follow_dfe_for_recoded_las(resolver):
    found = resolver.la_by_code(pd.Series(["E06000060", "E08000038", "E06000065", "E06000023", "E99999999"]))
    assert found["new_la_code"].tolist()[:4] == ["E10000002", "E08000016", "E10000023", "E06000023"]
    assert pd.isna(found["new_la_code"].iat[4])


def test_need_types_carry_dfe_names():
    needs = lookups.read_need_types(published("lookups/sen.csv")).set_index("code")
    assert list(needs.index) == ["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD",
                                 "DS", "OTH", "NSA"]
    assert needs.loc["ASD", "name"] == "Autistic spectrum disorder"
    assert needs.loc["OTH", "name"] == "Other difficulty or disability"
    assert not needs.loc["NSA", "in_sen2"] and not needs.loc["DS", "in_school_census"]


def test_las_keeps_terminated_codes():
    las = lookups.read_las(published("lookups/las.csv")).set_index("new_la_code")
    assert las.loc["E10000006", "status"] == "terminated" and las.loc["E10000006", "old_la_code"] == "909"
    assert las.loc["E10000006", "date_of_termination"] == pd.Timestamp("2023-03-31")
    assert not las.index.str.contains("/").any()  # the combined "E06000061 / E06000062" rows are dropped
    assert pd.isna(las.loc["E10000010", "old_la_code"])  # Durham county: "x"
