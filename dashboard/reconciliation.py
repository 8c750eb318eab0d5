"""The SEN2 return from the council's own records, reconciled with what DfE published for the council: for its
officers, on a page and as files.

    /reconciliation?year=&measure=                     the page (dashboard/pages/reconciliation.py)
    /reconciliation/reconciliation.csv?year=           every measure: local, published, difference, flag
    /reconciliation/<table>.csv?year=  (and .xlsx)     one SEN2 table from the local records, in DfE's layout
    /reconciliation/sen2-return.xml?year=              the person-level SEN2 return as of that year's census day

The local figures are unprotected and a flagged figure lists the children behind it, so only an officer of the
warehouse's own council sees any of it: the guard, the checks on what a link asks for, the audit entries and the
files are `dashboard.officers`, shared with the other officers' views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import flask
import pandas as pd

from dashboard import access, audit, exports, officers, response_cache, routes
from dashboard.identity import User
from dashboard.security import plain
from indicators import sen2, sen2_xml

PAGE_PATH = "/reconciliation"
SIGN_IN = "/sign-in?next=" + PAGE_PATH
FILTERS = ("year", "measure")
RECONCILIATION = "reconciliation"
KINDS = (RECONCILIATION, *sen2.TABLES)  # the name in a file's URL
RETURN = "sen2-return"  # the person-level return, as XML

# (reconcile() column, header): the comparison's columns, on the page and in its files.
COLUMNS = [("table", "Table"), ("measure", "DfE column"), ("label", "Measure"), ("period", "Period"),
           ("local", "Local records"), ("published", "Published by DfE"), ("difference", "Difference"),
           ("tolerance", "Tolerance"), ("verdict", "Within tolerance"), ("calibration", "Sample calibrated")]
# The records behind a figure: (engine column, header).
RECORD_COLUMNS = [("person_id", "Child id (pseudonymous)"), ("name", "Name"), ("request_id", "Request id"),
                  ("event_date", "Date"), ("counted", "Counted in")]
WITHIN, BEYOND, UNPUBLISHED = "Within", "Beyond", "Not published"


@dataclass(frozen=True)
class Reconciliation:
    council: str
    council_name: str
    year: int
    years: list[int]
    frame: pd.DataFrame  # sen2.reconcile() with `verdict` and `calibration` in words
    measure: str | None  # a `dataset.column` whose records are listed
    records: pd.DataFrame | None
    synthetic: bool
    warehouse_version: str

    def counts(self) -> dict[str, int]:
        verdicts = self.frame["verdict"].value_counts()
        return {"Compared with DfE": int((self.frame["verdict"] != UNPUBLISHED).sum()),
                "Within tolerance": int(verdicts.get(WITHIN, 0)), "Beyond tolerance": int(verdicts.get(BEYOND, 0))}

    def child_ids(self) -> list[str]:
        return [] if self.records is None else officers.children(self.records["person_id"])

    def filters(self) -> dict[str, str]:
        return {"year": str(self.year), "measure": self.measure or ""}

    def rows(self) -> list[dict[str, Any]]:
        return [{column: _plain_value(row[column]) for column, _ in COLUMNS} | {"key": row["key"]}
                for row in self.frame.to_dict("records")]

    def record_rows(self) -> list[dict[str, Any]]:
        if self.records is None:
            return []
        out = []
        for row in self.records.to_dict("records"):
            counted = ("numerator and denominator" if row["numerator"] and row["denominator"]
                       else "numerator" if row["numerator"] else "denominator only" if row["denominator"]
                       else "still running" if row["pending"] else "neither")
            out.append({"person_id": exports.plain(row["person_id"]), "request_id": exports.plain(row["request_id"]),
                        "name": f"{exports.plain(row['forename'])} {exports.plain(row['surname'])}".strip(),
                        "event_date": pd.Timestamp(row["event_date"]).date(), "counted": counted})
        return out


def _plain_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return exports.plain(value)


def _verdict(beyond: Any) -> str:
    return UNPUBLISHED if beyond is None or pd.isna(beyond) else BEYOND if beyond else WITHIN


# --- who may see it and what they asked for -----------------------------------------------------------------

def _year(value: object, years: list[int], strict: bool) -> tuple[int, str | None]:
    latest = years[-1]
    if value in (None, ""):
        return latest, None
    text = str(value).strip()
    if text.isdigit() and len(text) == 4 and int(text) in years:
        return int(text), None
    if strict:
        raise officers.BadChoice(f"There is no reporting year '{exports.plain(text)[:20]}' to reconcile: choose one of "
                        f"{', '.join(map(str, years))}.")
    return latest, f"The link asks for a year DfE has not published for this council, so {latest} is shown."


def load(council: str, user: User, *, year: object = None, measure: object = None,
         strict: bool = False) -> tuple[Reconciliation, list[str]]:
    """The reconciliation for an officer of `council` (call `officers.officer()` first), and notes on any choice
    set aside (strict: officers.BadChoice instead)."""
    engine = officers.officer_engine("The SEN2 reconciliation's figures")
    years = sen2.published_years(engine)
    if not years:
        raise officers.BadChoice("DfE has published no SEN2 figures for this council for a year its records cover.")
    chosen, note = _year(year, years, strict)
    notes = [note] if note else []
    frame = sen2.reconcile(engine, chosen)
    frame["verdict"] = [_verdict(b) for b in frame["beyond"]]
    frame["calibration"] = ["Yes" if c else "No" for c in frame["calibrated"]]
    key, records = None, None
    if measure not in (None, ""):
        if measure in sen2.MEASURE_KEYS:
            key = str(measure)
            records = sen2.records(engine, key, chosen, user=user.id)
        elif strict:
            raise officers.BadChoice("There is no SEN2 measure of that name. Choose one from the page's table.")
        else:
            notes.append("The link asks for a measure the SEN2 tables do not have, so no records are listed.")
    area = engine.area(council)
    return Reconciliation(council=council, council_name=area.name, year=chosen, years=years, frame=frame,
                          measure=key, records=records, synthetic=engine.info.get("synthetic_local_data") == "true",
                          warehouse_version=engine.version), notes


# --- files --------------------------------------------------------------------------------------------------

def file_path(kind: str, ext: str, query: Mapping[str, str] | None = None) -> str:
    return officers.file_path(PAGE_PATH, kind, ext, query)


def about(view: Reconciliation, what: str) -> list[tuple[str, str]]:
    return officers.about([("Title", what), ("Council", f"{view.council_name} ({view.council})"),
              ("Reporting year", f"{view.year}: the January {view.year} census and the calendar year {view.year - 1}"),
              ("Local figures", "Computed from the council's own records by the dashboard's indicator definitions, "
                                "unrounded and unsuppressed: for the council's officers."),
              ("Tolerance", sen2.TOLERANCE_NOTE)],
                         version=view.warehouse_version, synthetic=view.synthetic, handling=False)


def _table(view: Reconciliation, kind: str) -> tuple[list[str], list[list[Any]], str]:
    if kind == RECONCILIATION:
        return ([h for _, h in COLUMNS], [[r[c] for c, _ in COLUMNS] for r in view.rows()],
                f"SEN2 reconciliation, reporting year {view.year}")
    table = sen2.tables(officers.officer_engine(), view.year)[kind]
    return (list(table.columns), [[_plain_value(v) for v in row] for row in table.itertuples(index=False)],
            f"SEN2 {sen2.TABLES[kind].title} from local records, reporting year {view.year}")


def download(kind: str, ext: str) -> flask.Response:
    """`/reconciliation/<kind>.<ext>?year=`: for an officer of the council; 403 for anyone else, 400 for a year
    there is not, 404 for a file there is not."""
    response_cache.dont_keep()
    target = file_path(kind, ext)
    if not ((kind in KINDS and ext in officers.FILE_TYPES) or (kind, ext) == (RETURN, "xml")):
        return plain(404, "There is no such file. Try /reconciliation/reconciliation.csv or .xlsx.")
    try:
        user, council = officers.officer()
    except access.Forbidden as exc:
        return plain(403, officers.refuse(target, exc, flask.request.args.to_dict(flat=True), FILTERS))
    args = flask.request.args
    if problem := officers.args_problem(args, ("year",)):
        return plain(400, problem)
    if kind == RETURN:
        return _return(council, user, args.get("year"), target)
    try:
        view, _ = load(council, user, year=args.get("year"), strict=True)
    except officers.BadChoice as exc:
        return plain(400, exc.message)
    officers.seen(view, "export", target)
    headers, rows, title = _table(view, kind)
    return officers.list_file(ext, exports.file_stem(f"sen2-{kind}", council, str(view.year)), headers, rows,
                              about(view, title), title=title, subject=view.council_name, sheet="SEN2")


def _return(council: str, user: User, year: object, target: str) -> flask.Response:
    """The person-level SEN2 return for a year the local records cover, recorded with every child it holds."""
    engine = officers.officer_engine("The SEN2 return")
    try:
        chosen, _ = _year(year, sen2.years(engine), strict=True)
    except officers.BadChoice as exc:
        return plain(400, exc.message)
    body, children = sen2_xml.message(engine, chosen, user=user.id)
    audit.record("export", target=target, council=council, filters={"year": str(chosen)}, child_ids=children)
    return routes.attachment(body, "application/xml", f"{exports.file_stem('sen2-return', council, str(chosen))}.xml")


def register(server: flask.Flask) -> None:
    server.add_url_rule(f"{PAGE_PATH}/<kind>.<ext>", "reconciliation_file", routes.guarded(download))
