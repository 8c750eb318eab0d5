"""The common data model: DDL for the local tables (from the declared schemas) and the bookkeeping tables.

National tables take their shape from the readers in `data.sources` (see `data/national/README.md`); local
tables are typed from `data.schemas.local`, so the declaration, the validation and the DDL cannot drift.
"""

from __future__ import annotations

from data.schemas.local import LOCAL_KINDS
from data.schemas.spec import FileKind

# Bump when a table or column changes: it is part of the warehouse version, so caches are invalidated.
MODEL_VERSION = "3"

SQL_TYPES = {"id": "VARCHAR", "text": "VARCHAR", "code": "VARCHAR", "flag": "TINYINT", "int": "BIGINT",
             "float": "DOUBLE", "date": "DATE"}

META_DDL = {
    "warehouse_info": "CREATE TABLE warehouse_info (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "source_file": """CREATE TABLE source_file (
        source_file_id INTEGER PRIMARY KEY, name VARCHAR, path VARCHAR, kind VARCHAR, table_name VARCHAR,
        sha256 VARCHAR, bytes BIGINT, rows_in BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
        values_cleared BIGINT, raw_copy VARCHAR, la_code VARCHAR)""",
    "quarantine": """CREATE TABLE quarantine (
        source_file_id INTEGER, source_file VARCHAR, row_number BIGINT, table_name VARCHAR, rule VARCHAR,
        field VARCHAR, value VARCHAR, reason VARCHAR, action VARCHAR, la_code VARCHAR)""",
    "load_warning": "CREATE TABLE load_warning (source_file VARCHAR, problem VARCHAR, la_code VARCHAR)",
    # One row per council the warehouse holds, in the order they were first loaded (the first is the home council):
    # each council's own load, with its own version, reference date and row counts (rows in = loaded + quarantined).
    "loads": """CREATE TABLE loads (
        la_code VARCHAR PRIMARY KEY, position INTEGER, version VARCHAR, reference_date DATE, synthetic BOOLEAN,
        source_files INTEGER, rows_in BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT)""",
    # Records breaking each data-quality rule at every load so far: carried forward from the warehouse each load
    # replaces, so the year-round trend survives reloads (written by indicators.quality.record_history).
    "quality_history": """CREATE TABLE quality_history (
        version VARCHAR, reference_date DATE, loaded_at TIMESTAMP, code VARCHAR, records BIGINT, la_code VARCHAR)""",
    # The children with an open plan in the warehouse this load replaced, as SEN2 links a child across returns
    # (UPN, else name and date of birth): one who is missing now without a cease is a data-quality query.
    "previous_child": """CREATE TABLE previous_child (
        person_id VARCHAR, upn VARCHAR, surname VARCHAR, forename VARCHAR, birth_date DATE, reference_date DATE,
        la_code VARCHAR)""",
}


def local_ddl(kind: FileKind) -> str:
    columns = [f"{f.name} {SQL_TYPES[f.kind]}" for f in kind.fields]
    columns += ["source_file_id INTEGER", "source_row BIGINT", "la_code VARCHAR"]
    return f"CREATE TABLE {kind.table} ({', '.join(columns)})"


LOCAL_TABLES = {kind.table: kind for kind in LOCAL_KINDS}

# Every table whose rows belong to one council (its `la_code`, the council's new ONS code, '' for an extract that
# names none): a key of a local table is (la_code, key) and a council's rows never change when another loads.
COUNCIL_TABLES = (*LOCAL_TABLES, "source_file", "quarantine", "load_warning", "loads", "quality_history",
                  "previous_child", "fact_frame", "fact_index")
