"""The data dictionary in the repository is the one the declared schemas produce."""

from data.warehouse.dictionary import DICTIONARY_PATH, render


def test_dictionary_is_up_to_date():
    assert DICTIONARY_PATH.read_text() == render(), "run `python -m data dictionary` and commit data/DICTIONARY.md"


def test_every_local_table_is_documented():
    text = DICTIONARY_PATH.read_text()
    for table in ("person", "request", "assessment", "named_plan", "plan_detail", "active_plan", "placement",
                  "sen_need", "review", "health_advice", "casework", "residence", "dim_school", "sen_support",
                  "dispute", "aggregate_measure", "quarantine", "source_file"):
        assert f"`{table}`" in text
