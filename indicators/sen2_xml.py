"""The person-level SEN2 return for a reporting year, written from the warehouse as one SEN2 XML message.

The return for year R is as the council would send it on the January R census day: every child with a request,
a decision, an assessment outcome or a plan ceasing from 1 January R-1, or a plan active on the census day.
What the records say happened after the census day is left out, as it had not happened when the return was
made: a decision or outcome dated later reads as pending (A) with no date, a plan started later, a placement
entered later and any later cease, review or leaving date are not there.

Element names and order follow the community schema in data/published/sen2_samples (docs/SEN2.md); values are
set as element text by lxml, so a name is never read as markup.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from lxml import etree

from indicators.engine import Engine
from indicators.vocabulary import Audience

# the published answers on designated officers (sen2_dmo_dco) as the return's codes
OFFICERS = [("DMO", "des_med_off"), ("DCO", "des_clin_off"), ("DSCO", "des_so_care_off")]
ANSWER = {"yes": "Y", "no": "N", "recruiting": "R"}


def census_date(year: int) -> date:
    """DfE's January census: the third Thursday of January (16 January 2025, 15 January 2026)."""
    first = date(year, 1, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 14)


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


# Each element's children in the XSD's order: (tag, the warehouse column it is written from).
PERSON = [("Surname", "surname"), ("Forename", "forename"), ("PersonBirthDate", "birth_date"), ("Sex", "sex"),
          ("Ethnicity", "ethnicity"), ("PostCode", "postcode"), ("UPN", "upn"), ("UniqueLearnerNumber", "uln"),
          ("UPNunknown", "upn_unknown")]
REQUEST = [("ReceivedDate", "received_date"), ("RequestSource", "request_source"), ("RYA", "rya"),
           ("RequestOutcomeDate", "outcome_date"), ("RequestOutcome", "outcome"), ("RequestMediation", "mediation"),
           ("RequestTribunal", "tribunal"), ("Exported", "exported_la")]
ASSESSMENT = [("AssessmentOutcome", "outcome"), ("AssessmentOutcomeDate", "outcome_date"),
              ("AssessmentMediation", "mediation"), ("AssessmentTribunal", "tribunal"),
              ("OtherMediation", "other_mediation"), ("OtherTribunal", "other_tribunal"), ("Week20", "week20_exception")]
SETTING = [("URN", "urn"), ("UKPRN", "ukprn"), ("SENSetting", "sen_setting"), ("SENSettingOther", "sen_setting_other"),
           ("PlacementRank", "placement_rank")]
UNIT = [("SENunitIndicator", "sen_unit"), ("ResourcedProvisionIndicator", "resourced_provision")]
PLAN_DETAIL = [*SETTING, *UNIT]
NAMED_PLAN = [("PlanRes", "residential"), ("PlanWBP", "work_based"), ("PB", "personal_budget"),
              ("OA", "other_arrangements"), ("DP", "direct_payment"), ("CeaseDate", "cease_date"),
              ("CeaseReason", "cease_reason")]
PLACEMENT = [*SETTING, ("EntryDate", "entry_date"), ("LeavingDate", "leaving_date"), *UNIT, ("Res", "residential"),
             ("WBP", "work_based")]
ACTIVE_PLAN = [("ReviewMeeting", "review_meeting"), ("ReviewOutcome", "review_outcome"),
               ("ReviewDraft", "review_draft"), ("PhaseTransferDueDate", "phase_transfer_due"),
               ("PhaseTransferFinalDate", "phase_transfer_final"), ("LastReview", "last_review")]


def _add(parent: etree._Element, tag: str, value: Any) -> None:
    text = _text(value)
    if text is not None:
        etree.SubElement(parent, tag).text = text


def _fill(parent: etree._Element, fields: list[tuple[str, str]], row: dict[str, Any]) -> None:
    """Write a row's fields under `parent`, in order, leaving out the empty ones."""
    for tag, column in fields:
        _add(parent, tag, row[column])


def _later(value: Any, census: pd.Timestamp) -> bool:
    return value is not None and not pd.isna(value) and pd.Timestamp(value) > census


def _as_of(tables: dict[str, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """The modules as they stood on the census day, narrowed to the children the year's return holds."""
    census, start = pd.Timestamp(census_date(year)), pd.Timestamp(year - 1, 1, 1)
    t = {name: frame.copy() for name, frame in tables.items()}
    for frame in t.values():
        for column in frame.columns:
            if column.endswith("_date") or column in ("review_meeting", "review_draft", "phase_transfer_final",
                                                      "last_review"):
                frame[column] = pd.to_datetime(frame[column])
    # a plan transferred in from another LA comes with a historical request (H) that has no received date
    request = t["request"][~(t["request"]["received_date"] > census)].copy()
    late = request["outcome_date"] > census
    request.loc[late, "outcome"], request.loc[late, "outcome_date"] = "A", pd.NaT
    # an assessment exists once the request was agreed by the census day (or came with a plan transferred in)
    decided = request.loc[~late, "request_id"]
    assessment = t["assessment"][t["assessment"]["request_id"].isin(decided)].copy()
    late = assessment["outcome_date"] > census
    assessment.loc[late, "outcome"], assessment.loc[late, "outcome_date"] = "A", pd.NaT
    plan = t["named_plan"][t["named_plan"]["assessment_id"].isin(assessment.loc[~late, "assessment_id"])
                           & (t["named_plan"]["start_date"] <= census)].copy()
    ceased_later = plan["cease_date"] > census
    plan.loc[ceased_later, "cease_date"], plan.loc[ceased_later, "cease_reason"] = pd.NaT, None
    planned = set(assessment.loc[assessment["assessment_id"].isin(plan["assessment_id"]), "request_id"])
    active = t["active_plan"][t["active_plan"]["request_id"].isin(planned)].copy()
    meeting_later = active["review_meeting"] > census
    active.loc[meeting_later, ["review_meeting", "review_outcome"]] = [pd.NaT, None]
    for column in ("review_draft", "phase_transfer_final", "last_review"):
        active.loc[active[column] > census, column] = pd.NaT
    placement = t["placement"][t["placement"]["active_plan_id"].isin(active["active_plan_id"])
                               & ~(t["placement"]["entry_date"] > census)].copy()
    placement.loc[placement["leaving_date"] > census, "leaving_date"] = pd.NaT
    # the children of the year: activity since 1 January of the year before, or a plan open on the census day
    in_year = (request["received_date"] >= start) | (request["outcome_date"] >= start)
    people = set(request.loc[in_year, "person_id"])
    people |= set(request.loc[request["request_id"].isin(
        assessment.loc[assessment["outcome_date"] >= start, "request_id"]), "person_id"])
    open_or_ceased = plan["cease_date"].isna() | (plan["cease_date"] >= start)
    people |= set(request.loc[request["request_id"].isin(
        assessment.loc[assessment["assessment_id"].isin(plan.loc[open_or_ceased, "assessment_id"]), "request_id"]),
        "person_id"])
    return {"person": t["person"][t["person"]["person_id"].isin(people)].sort_values("person_id"),
            "request": request[request["person_id"].isin(people)].sort_values(["received_date", "request_id"]),
            "assessment": assessment, "named_plan": plan,
            "plan_detail": t["plan_detail"][t["plan_detail"]["plan_id"].isin(plan["plan_id"])],
            "active_plan": active, "placement": placement.sort_values(["entry_date", "placement_id"]),
            "sen_need": t["sen_need"][t["sen_need"]["active_plan_id"].isin(active["active_plan_id"])]}


def _rows(frame: pd.DataFrame, key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row[key], []).append(row)
    return out


def message(engine: Engine, year: int, *, user: str, created: datetime | None = None) -> tuple[bytes, list[str]]:
    """The SEN2 XML message for reporting year `year` (officers' records; the engine audits the read) and the ids
    of the children it holds."""
    t = _as_of(engine.return_records(Audience.OFFICER, user=user), year)
    area = engine.area(engine.local_area or "")
    answers = engine.published_measures("sen2_dmo_dco", "Total", area.code, str(year))
    said = {r.measure: ANSWER.get(str(r.value_text).strip().lower()) for r in answers.itertuples(index=False)}

    root = etree.Element("Message")
    header = etree.SubElement(root, "Header")
    details = etree.SubElement(header, "CollectionDetails")
    _add(details, "Collection", "SEN2")
    _add(details, "Year", year)
    _add(details, "ReferenceDate", census_date(year))
    source = etree.SubElement(header, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", area.old_la_code)
    _add(source, "SoftwareCode", "send-dashboard")
    _add(source, "Release", engine.version)
    _add(source, "SerialNo", "001")
    _add(source, "DateTime", (created or datetime.now()).replace(microsecond=0).isoformat())
    for tag, measure in OFFICERS:  # DMO and DCO are required: unknown reads as N, DSCO is left out
        _add(source, tag, said.get(measure) or ("N" if tag != "DSCO" else None))

    assessments = {r["request_id"]: r for r in t["assessment"].to_dict("records")}
    plans = {r["assessment_id"]: r for r in t["named_plan"].to_dict("records")}
    details_of, actives = _rows(t["plan_detail"], "plan_id"), {r["request_id"]: r for r in
                                                               t["active_plan"].to_dict("records")}
    placements, needs = _rows(t["placement"], "active_plan_id"), _rows(t["sen_need"], "active_plan_id")
    requests = _rows(t["request"], "person_id")
    persons = etree.SubElement(root, "Persons")
    for p in t["person"].to_dict("records"):
        person = etree.SubElement(persons, "Person")
        _fill(person, PERSON, p)
        for r in requests.get(p["person_id"], []):
            request = etree.SubElement(person, "Requests")
            _fill(request, REQUEST, r)
            a = assessments.get(r["request_id"])
            if a is not None:
                assessment = etree.SubElement(request, "Assessment")
                _fill(assessment, ASSESSMENT, a)
                n = plans.get(a["assessment_id"])
                if n is not None:
                    plan = etree.SubElement(assessment, "NamedPlan")
                    _add(plan, "StartDate", n["start_date"])
                    for d in details_of.get(n["plan_id"], [])[:2]:
                        detail = etree.SubElement(plan, "PlanDetail")
                        _fill(detail, PLAN_DETAIL, d)
                    _fill(plan, NAMED_PLAN, n)
            ap = actives.get(r["request_id"])
            if ap is not None:
                active = etree.SubElement(request, "ActivePlans")
                _add(active, "TransferLA", ap["transfer_la"])
                for pl in placements.get(ap["active_plan_id"], []):
                    placed = etree.SubElement(active, "PlacementDetail")
                    _fill(placed, PLACEMENT, pl)
                for need in sorted(needs.get(ap["active_plan_id"], []), key=lambda x: str(x["sen_type_rank"]))[:2]:
                    item = etree.SubElement(active, "SENneed")
                    _add(item, "SENtype", need["sen_type"])
                    _add(item, "SENtypeRank", need["sen_type_rank"])
                _fill(active, ACTIVE_PLAN, ap)
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return body, [str(i) for i in t["person"]["person_id"]]
