"""Data-quality rules over the local warehouse: the rules are data (`rules.yaml`), this module reads them and
builds the two queries the engine runs (`Engine.quality_counts`, `Engine.quality_records`).

Each rule's query returns the offending records (record, person_id, request_id, detail); the records query adds
the team and caseworker holding the case on the reference date (the holder of the record's request, else of
the child's latest held request, else 'Unallocated'), so an officer can hand a whole caseworker's list over at once.
Every value a query needs is a bound parameter (`params`); the rule text itself comes only from this package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

RULES_FILE = Path(__file__).with_name("rules.yaml")
SEVERITIES = ("error", "warning", "query")
COLUMNS = ("record", "person_id", "request_id", "detail")
CODE = re.compile(r"^DQ[1-9][0-9]{2}$")
# DfE's UPN check letters: the remainder 0 to 22 of the weighted sum, I, O and S left out.
CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    message: str
    table: str
    fields: tuple[str, ...]
    sql: str
    needs: tuple[str, ...] = ()  # tables beyond the local extract (national lookups), so maybe absent

    def checkable(self, tables: set[str] | frozenset[str]) -> bool:
        return set(self.needs) <= set(tables)


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every rule, in code order; a malformed entry stops start-up with its code."""
    out = []
    for entry in _document()["rules"]:
        rule = Rule(code=entry["code"], severity=entry["severity"], message=entry["message"], table=entry["table"],
                    fields=tuple(entry["fields"]), sql=entry["sql"].strip(), needs=tuple(entry.get("needs", ())))
        if not CODE.match(rule.code) or rule.severity not in SEVERITIES or not rule.fields or not rule.sql:
            raise ValueError(f"data-quality rule {rule.code!r} in {RULES_FILE.name} is malformed")
        out.append(rule)
    codes = [r.code for r in out]
    if len(set(codes)) != len(codes) or codes != sorted(codes):
        raise ValueError(f"data-quality rule codes in {RULES_FILE.name} must be unique and in order")
    return tuple(out)


def codes() -> list[str]:
    return [r.code for r in rules()]


def rule(code: str) -> Rule:
    """The rule of that code; KeyError for one there is not."""
    for found in rules():
        if found.code == code:
            return found
    raise KeyError(code)


def ethnicity_codes() -> list[str]:
    return list(_document()["ethnicity_codes"])


def params(reference_date: date, la: str | None) -> dict[str, Any]:
    """The bound values every rule may name."""
    return {"reference_date": reference_date, "la": la or "", "ethnicity_codes": ethnicity_codes()}


def check_letter(upn: str) -> str:
    """The check letter a UPN's 12 characters after it call for: the second to thirteenth characters weighted 2 to
    13 (a temporary UPN's final letter counts as its place in CHECK_LETTERS), summed, the remainder on dividing by 23
    naming the letter. ValueError for characters a UPN cannot hold."""
    body = upn[1:] if len(upn) == 13 else upn
    if len(body) != 12 or not body[:11].isdigit() or not (body[11].isdigit() or body[11] in CHECK_LETTERS):
        raise ValueError(f"not a UPN: {upn!r}")
    values = [int(c) for c in body[:11]] + [int(body[11]) if body[11].isdigit() else CHECK_LETTERS.index(body[11])]
    return CHECK_LETTERS[sum(v * w for v, w in zip(values, range(2, 14), strict=True)) % 23]


def counts_sql(tables: set[str] | frozenset[str]) -> str:
    """One row per rule: code and the number of records it finds (NULL for a rule needing a table not in
    `tables`, the warehouse's)."""
    # the rules' own text, from this package (codes checked by CODE); every value stays a bound parameter
    parts = [f"SELECT '{r.code}' AS code, (SELECT count(*) FROM ({r.sql}) hits) AS records"  # noqa: S608
             if r.checkable(tables) else f"SELECT '{r.code}' AS code, CAST(NULL AS BIGINT) AS records"
             for r in rules()]
    return "\nUNION ALL\n".join(parts)


_HOLDERS = """
held AS (
    SELECT c.request_id, arg_max(k.team, c.assigned_date) AS team,
           arg_max(k.caseworker_name, c.assigned_date) AS caseworker
    FROM casework c JOIN caseworker k ON k.caseworker_id = c.caseworker_id
    WHERE c.assigned_date <= CAST($reference_date AS DATE)
      AND (c.unassigned_date IS NULL OR c.unassigned_date > CAST($reference_date AS DATE))
    GROUP BY c.request_id),
person_held AS (
    SELECT r.person_id, arg_max(h.team, r.received_date) AS team, arg_max(h.caseworker, r.received_date) AS caseworker
    FROM request r JOIN held h ON h.request_id = r.request_id GROUP BY r.person_id)"""


def records_sql(found: Rule) -> str:
    """The rule's records with the team and caseworker holding each and the child's name, narrowed by $team and
    $caseworker ('' = all), grouped by team, then caseworker, then record."""
    # the rule's own text, from this package; every value stays a bound parameter
    return f"""WITH hits AS ({found.sql}),{_HOLDERS},
placed AS (
    SELECT CAST(h.record AS VARCHAR) AS record, CAST(h.person_id AS VARCHAR) AS person_id,
           CAST(h.request_id AS VARCHAR) AS request_id, CAST(h.detail AS VARCHAR) AS detail,
           coalesce(o.team, p.team, 'Unallocated') AS team, coalesce(o.caseworker, p.caseworker, 'Unallocated') AS caseworker,
           trim(coalesce(c.forename, '') || ' ' || coalesce(c.surname, '')) AS name
    FROM hits h LEFT JOIN held o ON o.request_id = h.request_id LEFT JOIN person_held p ON p.person_id = h.person_id
    LEFT JOIN person c ON c.person_id = h.person_id)
SELECT * FROM placed
WHERE ($team = '' OR team = $team) AND ($caseworker = '' OR caseworker = $caseworker)
ORDER BY team, caseworker, record"""  # noqa: S608


HISTORY_SQL = """SELECT version, reference_date, loaded_at, code, records FROM quality_history
ORDER BY loaded_at, code"""

QUARANTINE_SQL = """SELECT source_file, table_name, reason, action, count(*) AS rows
FROM quarantine GROUP BY ALL ORDER BY source_file, rows DESC, reason"""


def _bound(sql: str, values: dict[str, Any]) -> dict[str, Any]:
    names = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    return {k: v for k, v in values.items() if k in names}


# The children with a plan open on the warehouse's reference date (read from the warehouse being replaced).
OPEN_PLAN_CHILDREN_SQL = """SELECT DISTINCT p.person_id, p.upn, p.surname, p.forename, p.birth_date,
       CAST($reference_date AS DATE) AS reference_date
FROM person p JOIN request r ON r.person_id = p.person_id JOIN assessment a ON a.request_id = r.request_id
JOIN named_plan n ON n.assessment_id = a.assessment_id
WHERE n.start_date <= CAST($reference_date AS DATE)
  AND (n.cease_date IS NULL OR n.cease_date > CAST($reference_date AS DATE))"""


def _carried(live: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From the warehouse about to be replaced: its history, and each council's children with a plan open on that
    council's reference date."""
    from data.warehouse.connect import councils, scope

    if live is None or not Path(live).exists():
        return pd.DataFrame(), pd.DataFrame()
    try:
        with duckdb.connect() as old:
            old.execute("ATTACH $path AS warehouse (READ_ONLY)", {"path": str(live)})
            old.execute("USE warehouse")
            info = dict(old.execute("SELECT key, value FROM warehouse_info").fetchall())
            try:
                history = old.execute("SELECT * FROM warehouse.main.quality_history ORDER BY loaded_at, code").df()
            except duckdb.Error:
                history = pd.DataFrame()  # a warehouse from before the history: the trend starts here
            if len(history) and "la_code" not in history:  # kept before councils: the warehouse's own
                history["la_code"] = info.get("local_la_code", "")
            held = councils(old)
            children = []
            for council in held if len(held) > 1 else [info.get("local_la_code", "")]:
                if len(held) > 1:
                    scope(old, council)
                    reference = old.execute("SELECT CAST(reference_date AS VARCHAR) FROM loads").fetchone()
                else:
                    reference = (info["reference_date"],) if info.get("reference_date") else None
                if reference:
                    children.append(old.execute(OPEN_PLAN_CHILDREN_SQL, {"reference_date": reference[0]}).df()
                                    .assign(la_code=council))
    except duckdb.Error:
        return pd.DataFrame(), pd.DataFrame()  # one that cannot be read has nothing to carry
    return history, pd.concat(children, ignore_index=True) if children else pd.DataFrame()


def record_history(new: Path, live: Path | None) -> int:
    """Carry forward from the `live` warehouse about to be replaced its rule counts and its children with an open
    plan (for DQ112), then add the new warehouse's count for every rule, council by council (a reload of the same
    data replaces that load's own entry; in a warehouse of several councils, a council this load kept as it was
    keeps its entry; `live` None: a history that starts here). Runs on the new file before it goes live; returns the
    number of loads the history holds."""
    from data.warehouse.connect import councils, scope

    carried, children = _carried(live)
    with duckdb.connect() as con:
        con.execute("ATTACH $path AS warehouse", {"path": str(new)})
        con.execute("USE warehouse")
        if len(children):
            con.register("incoming", children[["person_id", "upn", "surname", "forename", "birth_date",
                                               "reference_date", "la_code"]])
            con.execute("INSERT INTO warehouse.main.previous_child SELECT * FROM incoming")
            con.unregister("incoming")
        info = dict(con.execute("SELECT key, value FROM warehouse_info").fetchall())
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'warehouse'")
                  .fetchall()}
        held = councils(con)
        if len(held) > 1:
            loads = {r[0]: (r[1], r[2]) for r in con.execute("SELECT la_code, version, reference_date FROM loads")
                     .fetchall()}
            kept = set(zip(carried["la_code"], carried["version"], strict=True)) if len(carried) else set()
            loads = {k: v for k, v in loads.items() if (k, v[0]) not in kept}
        else:
            loads = {info.get("local_la_code", ""): (info["version"], date.fromisoformat(info["reference_date"]))}
        sql = counts_sql(tables)
        now = datetime.now().replace(microsecond=0)
        found = []
        for council, (version, reference) in loads.items():
            if len(held) > 1:
                scope(con, council)
            found.append(con.execute(sql, _bound(sql, params(reference, council))).df()
                         .assign(version=version, reference_date=reference, loaded_at=now, la_code=council))
        history = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
        if len(carried) and len(history):
            replaced = set(zip(history["la_code"], history["version"], strict=True))
            carried = carried[[pair not in replaced for pair in zip(carried["la_code"], carried["version"], strict=True)]]
        history = pd.concat([carried, history], ignore_index=True) if len(carried) else history
        con.execute("DELETE FROM warehouse.main.quality_history")
        con.register("incoming", history[["version", "reference_date", "loaded_at", "code", "records", "la_code"]])
        con.execute("INSERT INTO warehouse.main.quality_history SELECT * FROM incoming")
        con.unregister("incoming")
        return len(history[["la_code", "version"]].drop_duplicates())
