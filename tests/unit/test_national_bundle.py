"""The committed national bundle, its deterministic build, and `read_national`'s recognition of files."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from data import bundle
from data.bundle import PUBLISHED_DIR as PUBLISHED
from data.bundle import published_file
from data.errors import SourceError
from data.sources.dfe_tidy import FACT_COLUMNS
from data.sources.national import NATIONAL_DIR, bundle_hashes, detect_kind, load_bundle, read_national

REPO = Path(__file__).resolve().parents[2]

# The files another engineer's generator reads: their paths and columns must not change.
STABLE_FACTS = ["annual_reviews", "assessments", "caseload", "ceased_plans", "cin_sen_la", "newplans",
                "personal_budgets", "requests", "residential_settings", "sen2_age_caseload", "sen2_dmo_dco",
                "sen2_mi", "sen_need_newplans", "sen_needs_all_plans", "timeliness_20_week", "work_based_placements"]
STABLE_DIMS = {
    "la": ["la_name", "new_la_code", "old_la_code", "region_code", "region_name"],
    "ward": ["la_name", "lad_code", "lad_name", "new_la_code", "ward_code", "ward_name", "first_year", "last_year",
             "is_current"],
}
TABLES = {"national_fact", "stat_neighbour", "lait_measure", "lait_area", "area_inspection", "la_nhs", "dim_la",
          "dim_la_code", "dim_region", "dim_la_region_history", "dim_ward", "dim_need_type", "dim_sub_icb"}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return load_bundle()


def test_bundle_has_every_table(tables):
    assert set(tables) == TABLES
    assert list(tables["national_fact"].columns) == FACT_COLUMNS
    assert set(tables["stat_neighbour"]["model"]) == {"2021-04", "2025-05"}


def test_generator_paths_and_columns_are_stable():
    for name in STABLE_FACTS:
        frame = pd.read_parquet(NATIONAL_DIR / "facts" / f"{name}.parquet")
        assert list(frame.columns) == FACT_COLUMNS, name
    for name, columns in STABLE_DIMS.items():
        assert list(pd.read_parquet(NATIONAL_DIR / "dims" / f"{name}.parquet").columns) == columns


def test_bundle_england_caseload(tables):
    facts = tables["national_fact"]
    row = facts[(facts["dataset"] == "caseload") & (facts["geographic_level"] == "National")
                & (facts["time_period"] == "202425") & (facts["breakdown"] == "All EHC plans")
                & (facts["measure"] == "ehcplans")]
    assert row["value"].tolist() == [638745.0]


def test_symbols_are_never_zero(tables):
    facts = tables["national_fact"]
    assert set(facts["status"].unique()) <= {"value", "c", "x", "z", "low", "u"}
    assert facts.loc[facts["status"] != "value", "value"].isna().all()
    assert facts["dataset"].notna().all() and facts["area_code"].notna().all()


def test_one_row_per_dataset_period_area_breakdown_and_measure(tables):
    keys = ["dataset", "time_period", "time_identifier", "area_code", "breakdown_topic", "breakdown", "measure"]
    assert not tables["national_fact"].duplicated(keys).any()


def test_every_fact_is_on_a_known_area(tables):
    facts = tables["national_fact"]
    known = set(tables["dim_la_code"]["new_la_code"]) | set(tables["dim_la"]["new_la_code"]) | set(
        tables["dim_region"]["region_code"]) | {"E92000001"}
    assert set(facts["area_code"].unique()) <= known


def test_bundle_stays_compact():
    size = sum(p.stat().st_size for p in NATIONAL_DIR.rglob("*.parquet"))
    assert size < 15_000_000


def test_bundle_hashes_name_every_file():
    hashes = bundle_hashes()
    assert len(hashes) == len(list(NATIONAL_DIR.rglob("*.parquet")))
    assert all(len(h.split(":")[1]) == 64 for h in hashes)
    assert hashes == sorted(hashes)


def test_provenance_carries_the_ogl_attribution():
    text = (NATIONAL_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in text
    for path in NATIONAL_DIR.rglob("*.parquet"):
        assert f"{path.parent.name}/{path.name}" in text, path.name


# ---------------------------------------------------------------------------------------------------------
# Building


def _small_copy(dest: Path) -> Path:
    """The published folder with its big national CSVs cut to their first rows: same formats (compressed
    where the repository compresses them), quick to build."""
    for path in sorted(PUBLISHED.rglob("*")):
        if not path.is_file() or not path.name.endswith((".csv", ".csv.gz", ".xlsx")):
            continue
        target = dest / path.relative_to(PUBLISHED)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".gz" and "national" in path.parts:
            with gzip.open(path, "rb") as source:
                head = b"".join(line for _, line in zip(range(1500), source, strict=False))
            target.write_bytes(gzip.compress(head, mtime=0))
        else:
            shutil.copyfile(path, target)
    return dest


@pytest.fixture(scope="module")
def small_src(tmp_path_factory) -> Path:
    return _small_copy(tmp_path_factory.mktemp("published"))


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_build_is_deterministic(small_src, tmp_path):
    first = bundle.build_bundle(small_src, tmp_path / "one")
    second = bundle.build_bundle(small_src, tmp_path / "two")
    assert first == second
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert one.keys() == two.keys() and len(one) == len(first) + 1  # + manifest.json
    for name in one:
        assert one[name] == two[name], name
    manifest = json.loads(one["manifest.json"])
    assert {f["path"] for f in manifest["files"]} == {f"{k}.parquet" for k in first}
    assert any(s["path"] == "national/statistical_neighbours/sn_may_2025.xlsx" for s in manifest["sources"])


def test_rebuild_replaces_only_parquet_and_keeps_documents(small_src, tmp_path):
    out = tmp_path / "bundle"
    (out / "facts").mkdir(parents=True)
    (out / "facts" / "retired_dataset.parquet").write_bytes(b"old")
    (out / "README.md").write_text("hand-written", encoding="utf-8")
    bundle.build_bundle(small_src, out)
    assert not (out / "facts" / "retired_dataset.parquet").exists()
    assert (out / "README.md").read_text(encoding="utf-8") == "hand-written"
    assert not list(tmp_path.glob(".national-build-*"))


def test_a_missing_published_file_stops_the_build_and_changes_nothing(small_src, tmp_path):
    broken = tmp_path / "src"
    shutil.copytree(small_src, broken)
    (broken / "lookups" / "las.csv").unlink()
    out = tmp_path / "bundle"
    bundle.build_bundle(small_src, out)
    before = _files(out)
    with pytest.raises(SourceError) as caught:
        bundle.build_bundle(broken, out)
    assert "las.csv" in str(caught.value) and "missing" in caught.value.problem
    assert _files(out) == before


def test_command_line(small_src, tmp_path, capsys):
    out = tmp_path / "bundle"
    assert bundle.main([str(small_src), "--out", str(out)]) == 0
    assert "facts/caseload" in capsys.readouterr().out
    assert bundle.main([str(small_src), "--out", str(out), "--check"]) == 0
    (out / "dims" / "region.parquet").unlink()
    assert bundle.main([str(small_src), "--out", str(out), "--check"]) == 1
    assert bundle.main([str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.slow
def test_committed_bundle_is_what_the_published_files_build(tmp_path):
    bundle.build_bundle(PUBLISHED, tmp_path)
    built, committed = _files(tmp_path), _files(NATIONAL_DIR)
    assert built.keys() == committed.keys() - {"README.md", "PROVENANCE.md"}
    for name, data in built.items():
        assert committed.get(name) == data, f"{name} is stale: run python -m data national"


def test_compressed_sources_build_the_same_bundle_and_manifest(small_src, tmp_path):
    """A `.csv.gz` is read, named and hashed as the CSV it holds: decompressing every source changes nothing."""
    plain = tmp_path / "plain"
    shutil.copytree(small_src, plain)
    compressed = sorted(plain.rglob("*.csv.gz"))
    assert len(compressed) >= 20  # the big national CSVs and the ward lookup
    for path in compressed:
        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    bundle.build_bundle(small_src, tmp_path / "from_gz")
    bundle.build_bundle(plain, tmp_path / "from_csv")
    assert _files(tmp_path / "from_gz") == _files(tmp_path / "from_csv")
    manifest = json.loads((tmp_path / "from_gz" / "manifest.json").read_text(encoding="utf-8"))
    ward = next(s for s in manifest["sources"] if s["path"] == "lookups/ward_lad_la_pcon_hierarchy.csv")
    assert ward["bytes"] == 2_620_105  # the CSV as published, not its 0.3 MB compressed copy
    assert not any(s["path"].endswith(".gz") for s in manifest["sources"])


def test_every_published_source_of_the_manifest_is_in_the_repository():
    manifest = json.loads((NATIONAL_DIR / "manifest.json").read_text(encoding="utf-8"))
    for source in manifest["sources"]:
        assert published_file(PUBLISHED, source["path"]).is_file(), source["path"]


def test_a_corrupt_compressed_file_is_refused_by_name(tmp_path):
    from data.parsing import read_csv_text

    broken = tmp_path / "caseload.csv.gz"
    broken.write_bytes(gzip.compress(b"time_period,geographic_level\n2024,National\n")[:-12])
    with pytest.raises(SourceError) as caught:
        read_csv_text(broken)
    assert "caseload.csv.gz" in str(caught.value) and "gzip" in caught.value.problem


# ---------------------------------------------------------------------------------------------------------
# Recognising national files

KINDS = {
    "lookups/geography_matrix.csv": ("geography_matrix", set()),
    "lookups/la_lookup_202425_from_ees.csv": ("la_lookup", {"dim_la"}),
    "lookups/las.csv": ("las", {"dim_la_code"}),
    "lookups/region_la_hierarchy.csv": ("la_lookup", {"dim_la_region_history"}),
    "lookups/regions.csv": ("regions", {"dim_region"}),
    "lookups/sen.csv": ("sen_vocabulary", {"dim_need_type"}),
    "lookups/sub_icb_to_icb_to_nhse_region_jul2022.csv": ("sub_icb", {"dim_sub_icb"}),
    "lookups/ward_lad_la_pcon_hierarchy.csv": ("ward", {"dim_ward"}),
    "national/ehcp_2025/sen2_dmo_dco.csv": ("dfe_tidy", {"national_fact"}),
    "national/ehcp_2014_2021/sen2_mi.csv": ("dfe_tidy", {"national_fact"}),
    "national/inclusion/cin_sen_la.csv": ("dfe_tidy", {"national_fact"}),
    "national/inclusion/tribunals.csv": ("inclusion", {"national_fact"}),
    "national/inclusion/dsg_deficit.csv": ("inclusion", {"national_fact"}),
    "national/inclusion/percent_pupils_ehcp.csv": ("inclusion", {"national_fact"}),
    "national/inclusion/mainstream_with_sen.csv": ("inclusion", {"national_fact"}),
    "national/inclusion/provider_types.csv": ("inclusion", {"national_fact"}),
    "national/inclusion/specialist_spend.csv": ("inclusion", {"national_fact"}),
    "national/inclusion/discontinued_plans.csv": ("inclusion", {"national_fact"}),
    "national/inclusion/ofsted.csv": ("ofsted", {"area_inspection"}),
    "national/inclusion/mi_ofsted_winter_2223.csv": ("mi_ofsted", {"area_inspection"}),
    "national/inclusion/la_ccg_lookup.csv": ("la_ccg", {"la_nhs"}),
    "national/lait/lait_send_measures_dictionary.csv": ("lait_dictionary", {"lait_measure"}),
    "national/lait/la_code_list.xlsx": ("lait_la_list", {"lait_area"}),
    "national/statistical_neighbours/sn_may_2025.xlsx": ("sn_xlsx", {"stat_neighbour"}),
    "national/statistical_neighbours/sn_april_2021.xlsx": ("sn_xlsx", {"stat_neighbour"}),
    "national/statistical_neighbours/statistical_neighbours_may2025_long.csv": ("sn_long", {"stat_neighbour"}),
}


@pytest.mark.parametrize("rel", sorted(KINDS))
def test_read_national_recognises_each_published_file(rel):
    kind, names = KINDS[rel]
    assert detect_kind(published_file(PUBLISHED, rel)) == kind
    result = read_national(published_file(PUBLISHED, rel))
    assert set(result) == names
    assert all(len(frame) for frame in result.values())


def test_read_national_recognises_a_renamed_release(small_src, tmp_path):
    """Detection is by columns and sheets, so next year's file names do not matter (compressed or not)."""
    for rel, new in (("national/ehcp_2025/caseload.csv.gz", "ehcp_caseload_2026.csv.gz"),
                     ("national/lait/lait_send_measures_long.csv.gz", "lait_export.csv"),
                     ("national/statistical_neighbours/sn_may_2025.xlsx", "sn_may_2026.xlsx")):
        target = tmp_path / Path(rel).parent.name / new
        target.parent.mkdir(exist_ok=True)
        data = (small_src / rel).read_bytes()
        target.write_bytes(gzip.decompress(data) if rel.endswith(".gz") and not new.endswith(".gz") else data)
    shutil.copyfile(small_src / "national/lait/lait_send_measures_dictionary.csv", tmp_path / "lait" / "dict.csv")
    facts = read_national(tmp_path / "ehcp_2025" / "ehcp_caseload_2026.csv.gz")["national_fact"]
    assert set(facts["dataset"]) == {"ehcp_caseload_2026"}
    assert set(read_national(tmp_path / "lait" / "lait_export.csv")["national_fact"]["dataset"]) == {"lait"}
    sn = read_national(tmp_path / "statistical_neighbours" / "sn_may_2026.xlsx")["stat_neighbour"]
    assert set(sn["model"]) == {"2026-05"}


def test_read_national_returns_none_for_other_files(tmp_path):
    person = tmp_path / "person.csv"
    person.write_text("person_id,forename,surname,birth_date\n1,A,B,01/02/2015\n", encoding="utf-8")
    assert read_national(person) is None
    notes = tmp_path / "notes.txt"
    notes.write_text("time_period,geographic_level\n", encoding="utf-8")
    assert read_national(notes) is None
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"\x00\x01 not a workbook")
    assert read_national(garbage) is None
    for fixture in sorted((REPO / "tests" / "fixtures").rglob("*.csv")):
        assert read_national(fixture) is None, fixture


def test_dfe_tidy_with_bom_and_symbols(tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_bytes("\ufefftime_period,time_identifier,geographic_level,country_code,country_name,region_code,"
                     "region_name,new_la_code,old_la_code,la_name,breakdown_topic,breakdown,ehcplans,pt_ehcplans\n"
                     "202425,Academic year,National,E92000001,England,,,,,,Total,Total,638745,z\n"
                     "202425,Academic year,Local authority,E92000001,England,E12000009,South West,E06000023,801,"
                     "\"Bristol, City of\",Total,Total,c,low\n".encode())
    facts = read_national(path)["national_fact"].set_index(["area_code", "measure"])
    assert facts.loc[("E92000001", "ehcplans"), "value"] == 638745
    for key, status in ((("E92000001", "pt_ehcplans"), "z"), (("E06000023", "ehcplans"), "c"),
                        (("E06000023", "pt_ehcplans"), "low")):
        assert pd.isna(facts.loc[key, "value"]) and facts.loc[key, "status"] == status


def test_recognised_but_broken_files_raise(tmp_path):
    ofsted = tmp_path / "ofsted.csv"
    ofsted.write_text("region,la_name,la_code,Inspection outcome (new inspection framework)\n"
                      "North East,Darlington,E06000005,Not yet inspected\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        read_national(ofsted)
    assert "publication_date_previous" in caught.value.problem and "ofsted.csv" in caught.value.fix
    tidy = tmp_path / "requests.csv"
    tidy.write_text("time_period,time_identifier,geographic_level,la_name\n2024,Calendar year,Ward,X\n",
                    encoding="utf-8")
    with pytest.raises(SourceError, match="no National, Regional or Local authority rows"):
        read_national(tidy)
