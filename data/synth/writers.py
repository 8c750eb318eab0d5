"""Write the extract: SEN2 module CSVs (COLLECT style), one SEN2 XML message, local CSVs, MANIFEST.json.

Output is byte-deterministic: fixed column order, fixed row order, '\n' line ends, no timestamps.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from data.synth import dates as D

SEN2_COLUMNS = {
    "person": ["persontableid", "surname", "forename", "personbirthdate", "sex", "ethnicity", "postcode", "upn",
               "uniquelearnernumber", "upnunknown"],
    "requests": ["requeststableid", "persontableid", "receiveddate", "requestsource", "rya", "requestoutcomedate",
                 "requestoutcome", "requestmediation", "requesttribunal", "exported"],
    "assessment": ["assessmenttableid", "requeststableid", "assessmentoutcome", "assessmentoutcomedate",
                   "assessmentmediation", "assessmenttribunal", "othermediation", "othertribunal", "week20"],
    "namedplan": ["namedplantableid", "assessmenttableid", "startdate", "planres", "planwbp", "pb", "oa", "dp",
                  "ceasedate", "ceasereason"],
    "plandetail": ["plandetailtableid", "namedplantableid", "urn", "ukprn", "sensetting", "sensettingother",
                   "placementrank", "senunitindicator", "resourcedprovisionindicator"],
    "activeplans": ["activeplanstableid", "requeststableid", "transferla", "reviewmeeting", "reviewoutcome",
                    "reviewdraft", "phasetransferduedate", "phasetransferfinaldate", "lastreview"],
    "placementdetail": ["placementdetailtableid", "activeplanstableid", "urn", "ukprn", "sensetting",
                        "sensettingother", "placementrank", "entrydate", "leavingdate", "senunitindicator",
                        "resourcedprovisionindicator", "res", "wbp"],
    "senneed": ["senneedtableid", "activeplanstableid", "sentype", "sentyperank"],
}
LOCAL_COLUMNS = {
    "schools": ["urn", "school_name", "phase", "school_type", "ward_code", "ofsted_grade", "number_on_roll",
                "resourced_provision", "sen_unit", "in_area"],
    "residence": ["persontableid", "ward_code", "school_urn", "looked_after", "child_in_need"],
    "caseworkers": ["caseworker_id", "caseworker_name", "team", "start_date"],
    "casework": ["requeststableid", "caseworker_id", "assigned_date", "unassigned_date"],
    "health_advice": ["advice_id", "requeststableid", "advice_type", "provider", "requested_date", "due_date",
                      "returned_date"],
    "reviews": ["review_id", "requeststableid", "due_date", "meeting_date", "outcome", "decision_date",
                "family_felt_listened"],
    "sen_support": ["census_date", "pupil_ref", "urn", "ncyear", "sex", "ethnicity", "primary_need", "ward_code",
                    "fsm"],
    "disputes": ["case_id", "persontableid", "requeststableid", "case_type", "appeal_type", "registered_date",
                 "concluded_date", "outcome"],
    "aggregate_measures": ["measure_code", "period", "period_type", "area_code", "breakdown", "breakdown_value",
                           "numerator", "denominator", "value", "unit", "source", "synthetic"],
}
DATE_COLUMNS = {"personbirthdate", "receiveddate", "requestoutcomedate", "assessmentoutcomedate", "startdate",
                "ceasedate", "reviewmeeting", "reviewdraft", "phasetransferduedate", "phasetransferfinaldate",
                "lastreview", "entrydate", "leavingdate", "due_date", "meeting_date", "decision_date"}
# integer columns where 0 (or −1) means "not recorded" and is written blank
BLANK_IF_ZERO = {"requestsource", "ceasereason", "urn", "ukprn", "school_urn"}
BLANK_IF_NEGATIVE = {"week20"}

NOTE = ("SYNTHETIC DATA. Every person, school, caseworker and record in this extract is invented by the "
        "send-dashboard synthetic generator; none describes a real child. Aggregates are calibrated to the LA's "
        "published SEN2 figures (DfE, Open Government Licence v3.0).")


def _to_text(frame: pd.DataFrame, columns: list[str], date_style: str) -> pd.DataFrame:
    out = {}
    for col in columns:
        v = frame[col].to_numpy() if col in frame else np.full(len(frame), "", dtype=object)
        if col in DATE_COLUMNS and v.dtype.kind in "iu":
            out[col] = D.fmt_collect(v) if date_style == "collect" else D.fmt_iso(v)
        elif v.dtype.kind in "iu":
            s = v.astype(np.int64).astype(str).astype(object)
            if col in BLANK_IF_ZERO:
                s = np.where(v == 0, "", s)
            if col in BLANK_IF_NEGATIVE:
                s = np.where(v < 0, "", s)
            out[col] = s
        elif v.dtype.kind == "f":
            s = np.array([("" if np.isnan(x) else (str(int(x)) if float(x).is_integer() else repr(float(x))))
                          for x in v], dtype=object)
            out[col] = s
        else:
            out[col] = pd.Series(v, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
    return pd.DataFrame(out, columns=columns)


def write_csv(frame: pd.DataFrame, path: Path, columns: list[str], date_style: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _to_text(frame, columns, date_style)
    text.to_csv(path, index=False, lineterminator="\n")
    return len(text)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _el(tag: str, value: str, indent: str) -> str:
    # values are codes, numbers, dates or text escaped up front (see _txt)
    return f"{indent}<{tag}>{value}</{tag}>\n" if value else ""


def _iso(frame: pd.DataFrame, col: str) -> list[str]:
    return list(D.fmt_iso(frame[col].to_numpy()))


FREE_TEXT = {"surname", "forename", "postcode", "sensettingother"}


def _txt(frame: pd.DataFrame, col: str) -> list[str]:
    values = frame[col].tolist()
    return [_esc(v) for v in values] if col in FREE_TEXT else values


def _group(keys: np.ndarray, parts: list[str]) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    for k, p in zip(keys.tolist(), parts, strict=True):
        out.setdefault(k, []).append(p)
    return {k: "".join(v) for k, v in out.items()}


def write_xml(path: Path, text: dict[str, pd.DataFrame], raw: dict[str, pd.DataFrame], header: dict,
              version: str) -> None:
    """One SEN2 person-level message holding every record of the extract (element order as the schema)."""
    i7, i8, i9 = "\t" * 7, "\t" * 8, "\t" * 9
    pd_ = text["plandetail"]
    parts = []
    for u, uk, ss, so, rk, su, rp in zip(_txt(pd_, "urn"), _txt(pd_, "ukprn"), _txt(pd_, "sensetting"),
                                         _txt(pd_, "sensettingother"), _txt(pd_, "placementrank"),
                                         _txt(pd_, "senunitindicator"), _txt(pd_, "resourcedprovisionindicator"),
                                         strict=True):
        parts.append(f"{i8}<PlanDetail>\n" + _el("URN", u, i9) + _el("UKPRN", uk, i9) + _el("SENSetting", ss, i9)
                     + _el("SENSettingOther", so, i9) + _el("PlacementRank", rk, i9)
                     + _el("SENunitIndicator", su, i9) + _el("ResourcedProvisionIndicator", rp, i9)
                     + f"{i8}</PlanDetail>\n")
    plandetail = _group(raw["plandetail"]["namedplantableid"].to_numpy(), parts)

    npf = text["namedplan"]
    parts = []
    for nid, sd, res, wbp, pb, oa, dp, cd, cr in zip(raw["namedplan"]["namedplantableid"].tolist(),
                                                     _iso(raw["namedplan"], "startdate"), _txt(npf, "planres"),
                                                     _txt(npf, "planwbp"), _txt(npf, "pb"), _txt(npf, "oa"),
                                                     _txt(npf, "dp"), _iso(raw["namedplan"], "ceasedate"),
                                                     _txt(npf, "ceasereason"), strict=True):
        parts.append(f"{i7}<NamedPlan>\n" + _el("StartDate", sd, i8) + plandetail.get(nid, "")
                     + _el("PlanRes", res, i8) + _el("PlanWBP", wbp, i8) + _el("PB", pb, i8) + _el("OA", oa, i8)
                     + _el("DP", dp, i8) + _el("CeaseDate", cd, i8) + _el("CeaseReason", cr, i8)
                     + f"{i7}</NamedPlan>\n")
    namedplan = dict(zip(raw["namedplan"]["assessmenttableid"].tolist(), parts, strict=True))

    i6 = "\t" * 6
    af = text["assessment"]
    parts = []
    for aid, ao, ad, am, at, om, ot, w in zip(raw["assessment"]["assessmenttableid"].tolist(),
                                             _txt(af, "assessmentoutcome"), _iso(raw["assessment"],
                                                                                  "assessmentoutcomedate"),
                                             _txt(af, "assessmentmediation"), _txt(af, "assessmenttribunal"),
                                             _txt(af, "othermediation"), _txt(af, "othertribunal"),
                                             _txt(af, "week20"), strict=True):
        parts.append(f"{i6}<Assessment>\n" + _el("AssessmentOutcome", ao, i7) + _el("AssessmentOutcomeDate", ad, i7)
                     + _el("AssessmentMediation", am, i7) + _el("AssessmentTribunal", at, i7)
                     + _el("OtherMediation", om, i7) + _el("OtherTribunal", ot, i7) + _el("Week20", w, i7)
                     + namedplan.get(aid, "") + f"{i6}</Assessment>\n")
    assessment = dict(zip(raw["assessment"]["requeststableid"].tolist(), parts, strict=True))

    pl = text["placementdetail"]
    rp_ = raw["placementdetail"]
    parts = []
    for u, uk, ss, so, rk, ed, ld, su, rp, res, wbp in zip(
            _txt(pl, "urn"), _txt(pl, "ukprn"), _txt(pl, "sensetting"), _txt(pl, "sensettingother"),
            _txt(pl, "placementrank"), _iso(rp_, "entrydate"), _iso(rp_, "leavingdate"), _txt(pl, "senunitindicator"),
            _txt(pl, "resourcedprovisionindicator"), _txt(pl, "res"), _txt(pl, "wbp"), strict=True):
        parts.append(f"{i7}<PlacementDetail>\n" + _el("URN", u, i8) + _el("UKPRN", uk, i8) + _el("SENSetting", ss, i8)
                     + _el("SENSettingOther", so, i8) + _el("PlacementRank", rk, i8) + _el("EntryDate", ed, i8)
                     + _el("LeavingDate", ld, i8) + _el("SENunitIndicator", su, i8)
                     + _el("ResourcedProvisionIndicator", rp, i8) + _el("Res", res, i8) + _el("WBP", wbp, i8)
                     + f"{i7}</PlacementDetail>\n")
    placements = _group(rp_["activeplanstableid"].to_numpy(), parts)
    sn = raw["senneed"]
    parts = [f"{i7}<SENneed>\n{i8}<SENtype>{a}</SENtype>\n{i8}<SENtypeRank>{b}</SENtypeRank>\n{i7}</SENneed>\n"
             for a, b in zip(sn["sentype"].tolist(), sn["sentyperank"].tolist(), strict=True)]
    needs = _group(sn["activeplanstableid"].to_numpy(), parts)

    ap = raw["activeplans"]
    apt = text["activeplans"]
    parts = []
    for apid, tla, rm, ro, rd, pdd, pfd, lr in zip(ap["activeplanstableid"].tolist(), _txt(apt, "transferla"),
                                                  _iso(ap, "reviewmeeting"), _txt(apt, "reviewoutcome"),
                                                  _iso(ap, "reviewdraft"), _iso(ap, "phasetransferduedate"),
                                                  _iso(ap, "phasetransferfinaldate"), _iso(ap, "lastreview"),
                                                  strict=True):
        parts.append(f"{i6}<ActivePlans>\n" + _el("TransferLA", tla, i7) + placements.get(apid, "")
                     + needs.get(apid, "") + _el("ReviewMeeting", rm, i7) + _el("ReviewOutcome", ro, i7)
                     + _el("ReviewDraft", rd, i7) + _el("PhaseTransferDueDate", pdd, i7)
                     + _el("PhaseTransferFinalDate", pfd, i7) + _el("LastReview", lr, i7)
                     + f"{i6}</ActivePlans>\n")
    activeplans = dict(zip(ap["requeststableid"].tolist(), parts, strict=True))

    i4, i5 = "\t" * 4, "\t" * 5
    rq = raw["requests"]
    rqt = text["requests"]
    parts = []
    for rid, rd, src, rya, od, oc, rm, rt, ex in zip(rq["requeststableid"].tolist(), _iso(rq, "receiveddate"),
                                                    _txt(rqt, "requestsource"), _txt(rqt, "rya"),
                                                    _iso(rq, "requestoutcomedate"), _txt(rqt, "requestoutcome"),
                                                    _txt(rqt, "requestmediation"), _txt(rqt, "requesttribunal"),
                                                    _txt(rqt, "exported"), strict=True):
        parts.append(f"{i4}<Requests>\n" + _el("ReceivedDate", rd, i5) + _el("RequestSource", src, i5)
                     + _el("RYA", rya, i5) + _el("RequestOutcomeDate", od, i5) + _el("RequestOutcome", oc, i5)
                     + _el("RequestMediation", rm, i5) + _el("RequestTribunal", rt, i5) + _el("Exported", ex, i5)
                     + assessment.get(rid, "") + activeplans.get(rid, "") + f"{i4}</Requests>\n")
    requests = _group(rq["persontableid"].to_numpy(), parts)

    i2, i3 = "\t" * 2, "\t" * 3
    pe = raw["person"]
    pet = text["person"]
    body = []
    for pid, sn_, fn, bd, sx, et, pc, upn, uln, unk in zip(
            pe["persontableid"].tolist(), _txt(pet, "surname"), _txt(pet, "forename"), _iso(pe, "personbirthdate"),
            _txt(pet, "sex"), _txt(pet, "ethnicity"), _txt(pet, "postcode"), _txt(pet, "upn"),
            _txt(pet, "uniquelearnernumber"), _txt(pet, "upnunknown"), strict=True):
        body.append(f"{i2}<Person>\n" + _el("Surname", sn_, i3) + _el("Forename", fn, i3)
                    + _el("PersonBirthDate", bd, i3) + _el("Sex", sx, i3) + _el("Ethnicity", et, i3)
                    + _el("PostCode", pc, i3) + _el("UPN", upn, i3) + _el("UniqueLearnerNumber", uln, i3)
                    + _el("UPNunknown", unk, i3) + requests.get(pid, "") + f"{i2}</Person>\n")
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!-- {NOTE} -->\n"
        "<Message>\n\t<Header>\n\t\t<CollectionDetails>\n\t\t\t<Collection>SEN2</Collection>\n"
        f"\t\t\t<Year>{header['year']}</Year>\n\t\t\t<ReferenceDate>{header['reference_date']}</ReferenceDate>\n"
        "\t\t</CollectionDetails>\n\t\t<Source>\n\t\t\t<SourceLevel>L</SourceLevel>\n"
        f"\t\t\t<LEA>{header['lea']}</LEA>\n\t\t\t<SoftwareCode>send-dashboard synthetic generator</SoftwareCode>\n"
        f"\t\t\t<Release>{version}</Release>\n\t\t\t<SerialNo>001</SerialNo>\n"
        f"\t\t\t<DateTime>{header['reference_date']}T00:00:00</DateTime>\n"
        f"\t\t\t<DMO>{header['dmo']}</DMO>\n\t\t\t<DCO>{header['dco']}</DCO>\n"
        + (f"\t\t\t<DSCO>{header['dsco']}</DSCO>\n" if header.get("dsco") else "")
        + "\t\t</Source>\n\t</Header>\n\t<Persons>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(head)
        f.write("".join(body))
        f.write("\t</Persons>\n</Message>\n")


def write_all(out: Path, la: dict, seed: int, ref: int, version: str, sen2: dict[str, pd.DataFrame],
              local: dict[str, pd.DataFrame], header: dict, xml: bool = True) -> dict:
    """The extract's CSVs, its manifest and (with `xml`) the same SEN2 return as the DfE's XML."""
    out = Path(out)
    counts: dict[str, int] = {}
    text = {}
    for name, cols in SEN2_COLUMNS.items():
        text[name] = _to_text(sen2[name], cols, "collect")
        (out / "sen2").mkdir(parents=True, exist_ok=True)
        text[name].to_csv(out / "sen2" / f"{name}.csv", index=False, lineterminator="\n")
        counts[f"sen2/{name}.csv"] = len(text[name])
    for name, cols in LOCAL_COLUMNS.items():
        counts[f"local/{name}.csv"] = write_csv(local[name], out / "local" / f"{name}.csv", cols, "iso")
    xml_name = f"sen2_xml/sen2_{la['old_la_code']}_{header['year']}.xml"
    if xml:
        write_xml(out / xml_name, text, sen2, header, version)
        counts[xml_name] = len(sen2["person"])
    else:  # an XML left by an earlier run would make the folder hold the return twice
        (out / xml_name).unlink(missing_ok=True)
    manifest = {
        "synthetic": True,
        "note": NOTE,
        "la": {"new_la_code": la["new_la_code"], "old_la_code": la["old_la_code"], "la_name": la["la_name"],
               "region_code": la["region_code"], "region_name": la["region_name"]},
        "seed": int(seed),
        "reference_date": D.to_date(ref).isoformat(),
        "generator": "data.synth",
        "generator_version": version,
        "row_counts": dict(sorted(counts.items())),
    }
    if xml:
        manifest["xml_persons"] = len(sen2["person"])
    with open(out / "MANIFEST.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=2, sort_keys=False)
        f.write("\n")
    return dict(sorted(counts.items()))
