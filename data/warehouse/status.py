"""What is loaded: a plain summary of the warehouse for the shell page and the status command."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# Tables as a reader would name them, grouped for the shell page.
TABLE_GROUPS = {
    "Published national data": ["national_fact", "stat_neighbour", "lait_measure", "area_inspection", "dim_la",
                                "dim_region", "dim_ward", "dim_need_type", "la_nhs"],
    "Local SEN2 records": ["person", "request", "assessment", "named_plan", "plan_detail", "active_plan", "placement",
                          "sen_need"],
    "Local extras": ["review", "health_advice", "casework", "caseworker", "residence", "dim_school", "sen_support",
                     "dispute", "aggregate_measure"],
}


@dataclass(frozen=True)
class WarehouseSummary:
    info: dict[str, str]
    la_name: str
    table_rows: dict[str, int]
    quarantined_rows: int
    cleared_values: int
    national_datasets: list[tuple[str, str, str]]  # dataset, first period, last period


def summarise(con: duckdb.DuckDBPyConnection) -> WarehouseSummary:
    info = dict(con.execute("SELECT key, value FROM warehouse_info").fetchall())
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    rows = {}
    for group in TABLE_GROUPS.values():
        for table in group:
            if table in tables:
                rows[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - allowlisted
    la_name = ""
    if "dim_la" in tables and info.get("local_la_code"):
        found = con.execute("SELECT la_name FROM dim_la WHERE new_la_code = ?", [info["local_la_code"]]).fetchone()
        la_name = found[0] if found else ""
    counts = con.execute("""SELECT count(DISTINCT (source_file_id, row_number)) FILTER (WHERE action = 'row_rejected'),
                                   count(*) FILTER (WHERE action = 'value_cleared') FROM quarantine""").fetchone()
    datasets = []
    if "national_fact" in tables:
        datasets = con.execute("""SELECT dataset, min(time_period), max(time_period) FROM national_fact
                                  GROUP BY dataset ORDER BY dataset""").fetchall()
    return WarehouseSummary(info, la_name, rows, counts[0] or 0, counts[1] or 0, datasets)
