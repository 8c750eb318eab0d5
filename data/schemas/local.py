"""Every local file kind: the SEN2 person-level modules (COLLECT CSV or XML) and the local extras.

Source column names are matched after normalisation (lower case, non-alphanumerics to `_`), so
`PersonBirthDate`, `personbirthdate` and `Person Birth Date` are the same column. Aliases cover the spelling
variants of case-management exports (`SENSetting`/`SENsetting`, `PlanWBP`/`PlanWPB`, `GenderCurrent`/`Sex`).
"""

from __future__ import annotations

from data.schemas.spec import CLEAR, Field, FileKind, RowRule

FLAG = ("0", "1")
SEN_TYPES = ("SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "DS", "OTH", "NSA")
SEN_SETTINGS = ("OLA", "OPA", "EHE", "EYP", "OTH", "NEET", "NIEC", "NIEO")
UPN_PATTERN = r"^[A-Z][0-9]{12}$|^[A-Z][0-9]{11}[A-Z]$"
ULN_PATTERN = r"^[0-9]{10}$"
WARD_PATTERN = r"^E05[0-9]{6}$"
URN_PATTERN = r"^[0-9]{6,8}$"


def _id(name: str, *aliases: str, help: str = "") -> Field:
    return Field(name, "id", aliases or (name,), required=True, help=help)


def _ref(name: str, *aliases: str, help: str = "") -> Field:
    return Field(name, "id", aliases or (name,), required=True, help=help)


def _before(later: str, earlier: str):
    return lambda f: f[later].notna() & f[earlier].notna() & (f[later] < f[earlier])


PERSON = FileKind(
    "sen2_person", "person", ("person", "persons", "sen2_person"),
    (
        _id("person_id", "persontableid", "person_id", help="Surrogate key of the person in the extract"),
        Field("surname", "text", ("surname",)),
        Field("forename", "text", ("forename",)),
        Field("birth_date", "date", ("personbirthdate", "birth_date", "dob"), required=True),
        Field("sex", "code", ("sex", "gendercurrent", "gender"), codes=("M", "F", "U"),
              recode={"1": "M", "2": "F", "0": "U", "9": "U", "MALE": "M", "FEMALE": "F"}, on_error=CLEAR),
        Field("ethnicity", "text", ("ethnicity",), pattern=r"^[A-Z]{4}$", case="upper", on_error=CLEAR),
        Field("postcode", "text", ("postcode",), pattern=r"^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$", case="upper", on_error=CLEAR),
        Field("upn", "text", ("upn",), pattern=UPN_PATTERN, case="upper", on_error=CLEAR,
              help="Unique pupil number: a letter and 12 digits, or a letter, 11 digits and a letter"),
        Field("uln", "text", ("uniquelearnernumber", "uln"), pattern=ULN_PATTERN, on_error=CLEAR,
              help="Unique learner number: 10 digits"),
        Field("upn_unknown", "code", ("upnunknown",), codes=tuple(f"UN{i}" for i in range(1, 11)), on_error=CLEAR),
    ),
    key=("person_id",),
    rules=(RowRule("DATE_FUTURE", "birth_date", "birth date is in the future",
                   lambda f: f["birth_date"] > f["_today"]),),
    description="SEN2 module 1: one row per child or young person",
)

REQUEST = FileKind(
    "sen2_requests", "request", ("requests", "request", "sen2_requests"),
    (
        _id("request_id", "requeststableid", "request_id"),
        _ref("person_id", "persontableid", "person_id"),
        Field("received_date", "date", ("receiveddate", "received_date"), column_required=True,
              help="Date the request for an EHC needs assessment was received: starts the 20-week clock; "
                   "may be blank only for a historical request (outcome H, e.g. a plan transferred in)"),
        Field("request_source", "code", ("requestsource",), codes=("1", "2", "3", "4", "5")),
        Field("rya", "flag", ("rya",), codes=FLAG),
        Field("outcome_date", "date", ("requestoutcomedate", "outcome_date")),
        Field("outcome", "code", ("requestoutcome", "outcome"), codes=("Y", "N", "A", "W", "H")),
        Field("mediation", "flag", ("requestmediation",), codes=FLAG),
        Field("tribunal", "flag", ("requesttribunal",), codes=FLAG),
        Field("exported_la", "text", ("exported",), pattern=r"^[0-9]{3}$", on_error=CLEAR),
    ),
    key=("request_id",),
    parents=(("person_id", "person", "person_id"),),
    rules=(RowRule("DATE_ORDER", "outcome_date", "decision date is before the request was received",
                   _before("outcome_date", "received_date")),
           RowRule("REQUIRED", "received_date", "receiveddate is blank and the request is not historical (outcome H)",
                   lambda f: f["received_date"].isna() & (f["outcome"].fillna("") != "H"))),
    description="SEN2 module 2: requests for an EHC needs assessment",
)

ASSESSMENT = FileKind(
    "sen2_assessment", "assessment", ("assessment", "assessments", "sen2_assessment"),
    (
        _id("assessment_id", "assessmenttableid", "assessment_id"),
        _ref("request_id", "requeststableid", "request_id"),
        Field("outcome", "code", ("assessmentoutcome", "outcome"), codes=("Y", "N", "A", "W", "H")),
        Field("outcome_date", "date", ("assessmentoutcomedate", "outcome_date"),
              help="Date the plan was issued, or the family told no plan would be issued"),
        Field("mediation", "flag", ("assessmentmediation",), codes=FLAG),
        Field("tribunal", "flag", ("assessmenttribunal",), codes=FLAG),
        Field("other_mediation", "flag", ("othermediation",), codes=FLAG),
        Field("other_tribunal", "flag", ("othertribunal",), codes=FLAG),
        Field("week20_exception", "flag", ("week20",), codes=FLAG,
              help="1 when a statutory exception to the 20-week limit applies"),
    ),
    key=("assessment_id",),
    parents=(("request_id", "request", "request_id"),),
    description="SEN2 module 3: EHC needs assessments",
)

NAMED_PLAN = FileKind(
    "sen2_namedplan", "named_plan", ("namedplan", "namedplans", "named_plan", "sen2_namedplan"),
    (
        _id("plan_id", "namedplantableid", "plan_id"),
        _ref("assessment_id", "assessmenttableid", "assessment_id"),
        Field("start_date", "date", ("startdate", "start_date"), required=True),
        Field("residential", "code", ("planres",), codes=("A", "B")),
        Field("work_based", "code", ("planwbp", "planwpb"), codes=("A", "T", "S")),
        Field("personal_budget", "flag", ("pb",), codes=FLAG),
        Field("other_arrangements", "flag", ("oa",), codes=FLAG),
        Field("direct_payment", "code", ("dp",), codes=("E", "S", "H", "I")),
        Field("cease_date", "date", ("ceasedate", "cease_date")),
        Field("cease_reason", "code", ("ceasereason", "cease_reason"), codes=tuple("123456789")),
    ),
    key=("plan_id",),
    parents=(("assessment_id", "assessment", "assessment_id"),),
    rules=(RowRule("DATE_ORDER", "cease_date", "plan ceases before it starts", _before("cease_date", "start_date")),),
    description="SEN2 module 4: EHC plans named at issue",
)

PLACEMENT_FIELDS = (
    Field("urn", "text", ("urn",), pattern=URN_PATTERN, on_error=CLEAR),
    Field("ukprn", "text", ("ukprn",), pattern=r"^[0-9]{8}$", on_error=CLEAR),
    Field("sen_setting", "code", ("sensetting",), codes=SEN_SETTINGS),
    Field("sen_setting_other", "text", ("sensettingother",)),
    Field("placement_rank", "code", ("placementrank",), codes=("1", "2")),
    Field("sen_unit", "flag", ("senunitindicator",), codes=FLAG),
    Field("resourced_provision", "flag", ("resourcedprovisionindicator",), codes=FLAG),
)

PLAN_DETAIL = FileKind(
    "sen2_plandetail", "plan_detail", ("plandetail", "plandetails", "plan_detail", "sen2_plandetail"),
    (_id("plan_detail_id", "plandetailtableid", "plan_detail_id"), _ref("plan_id", "namedplantableid", "plan_id"),
     *PLACEMENT_FIELDS),
    key=("plan_detail_id",),
    parents=(("plan_id", "named_plan", "plan_id"),),
    description="SEN2 module 4: the setting named in the plan at issue",
)

ACTIVE_PLAN = FileKind(
    "sen2_activeplans", "active_plan", ("activeplans", "activeplan", "active_plan", "sen2_activeplans"),
    (
        _id("active_plan_id", "activeplanstableid", "active_plan_id"),
        _ref("request_id", "requeststableid", "request_id"),
        Field("transfer_la", "text", ("transferla",), pattern=r"^[0-9]{3}$", on_error=CLEAR),
        Field("review_meeting", "date", ("reviewmeeting",)),
        Field("review_outcome", "code", ("reviewoutcome",), codes=("M", "C", "A")),
        Field("review_draft", "date", ("reviewdraft",)),
        Field("phase_transfer_due", "date", ("phasetransferduedate",)),
        Field("phase_transfer_final", "date", ("phasetransferfinaldate",)),
        Field("last_review", "date", ("lastreview",)),
    ),
    key=("active_plan_id",),
    parents=(("request_id", "request", "request_id"),),
    description="SEN2 module 5: plans active at the census, with the latest review",
)

PLACEMENT = FileKind(
    "sen2_placementdetail", "placement", ("placementdetail", "placementdetails", "placement", "sen2_placementdetail"),
    (
        _id("placement_id", "placementdetailtableid", "placement_id"),
        _ref("active_plan_id", "activeplanstableid", "active_plan_id"),
        *PLACEMENT_FIELDS,
        Field("entry_date", "date", ("entrydate",)),
        Field("leaving_date", "date", ("leavingdate",)),
        Field("residential", "code", ("res",), codes=("A", "B")),
        Field("work_based", "code", ("wbp", "wpb"), codes=("A", "T", "S")),
    ),
    key=("placement_id",),
    parents=(("active_plan_id", "active_plan", "active_plan_id"),),
    rules=(RowRule("DATE_ORDER", "leaving_date", "leaves the placement before entering it",
                   _before("leaving_date", "entry_date")),),
    description="SEN2 module 5: placements of active plans",
)

SEN_NEED = FileKind(
    "sen2_senneed", "sen_need", ("senneed", "senneeds", "sen_need", "sen2_senneed"),
    (
        _id("sen_need_id", "senneedtableid", "sen_need_id"),
        _ref("active_plan_id", "activeplanstableid", "active_plan_id"),
        Field("sen_type", "code", ("sentype",), required=True, codes=SEN_TYPES),
        Field("sen_type_rank", "code", ("sentyperank",), required=True, codes=("1", "2")),
    ),
    key=("sen_need_id",),
    parents=(("active_plan_id", "active_plan", "active_plan_id"),),
    description="SEN2 module 5: primary (rank 1) and secondary (rank 2) needs",
)

SEN2_KINDS = (PERSON, REQUEST, ASSESSMENT, NAMED_PLAN, PLAN_DETAIL, ACTIVE_PLAN, PLACEMENT, SEN_NEED)

# ---------------------------------------------------------------------------------------------------------
# Local extras: what SEN2 does not carry.

SCHOOL = FileKind(
    "school", "dim_school", ("schools", "school"),
    (
        _id("urn", "urn"),
        Field("school_name", "text", ("school_name", "establishmentname", "name"), required=True),
        Field("phase", "code", ("phase",), codes=("Nursery", "Primary", "Secondary", "All-through", "Special",
                                                   "Post-16", "Alternative provision")),
        Field("school_type", "text", ("school_type", "type")),
        Field("ward_code", "text", ("ward_code",), pattern=WARD_PATTERN, case="upper", on_error=CLEAR),
        Field("ofsted_grade", "code", ("ofsted_grade",), codes=("1", "2", "3", "4")),
        Field("number_on_roll", "int", ("number_on_roll", "nor"), minimum=0),
        Field("resourced_provision", "flag", ("resourced_provision",), codes=FLAG),
        Field("sen_unit", "flag", ("sen_unit",), codes=FLAG),
        Field("in_area", "flag", ("in_area",), codes=FLAG,
              help="0 for a school outside the area that the council places children at (an independent or "
                   "non-maintained special school elsewhere, say); blank or no column: in the area"),
    ),
    key=("urn",),
    description="Schools and settings (URN, name, phase, type, ward, Ofsted grade), with the schools elsewhere "
                "that the area's children attend",
)

RESIDENCE = FileKind(
    "residence", "residence", ("residence",),
    (
        _ref("person_id", "persontableid", "person_id"),
        Field("ward_code", "text", ("ward_code",), pattern=WARD_PATTERN, case="upper", on_error=CLEAR),
        Field("school_urn", "text", ("school_urn", "urn"), pattern=URN_PATTERN, on_error=CLEAR),
        Field("looked_after", "flag", ("looked_after",), codes=FLAG),
        Field("child_in_need", "flag", ("child_in_need",), codes=FLAG),
    ),
    key=("person_id",),
    parents=(("person_id", "person", "person_id"),),
    description="Ward of residence and school attended, per person",
)

CASEWORKER = FileKind(
    "caseworker", "caseworker", ("caseworkers", "caseworker"),
    (
        _id("caseworker_id", "caseworker_id"),
        Field("caseworker_name", "text", ("caseworker_name", "name"), required=True),
        Field("team", "text", ("team",), required=True),
        Field("start_date", "date", ("start_date",)),
    ),
    key=("caseworker_id",),
    description="SEND caseworkers and their teams",
)

CASEWORK = FileKind(
    "casework", "casework", ("casework", "case_allocation", "allocations"),
    (
        _ref("request_id", "requeststableid", "request_id"),
        _ref("caseworker_id", "caseworker_id"),
        Field("assigned_date", "date", ("assigned_date",), required=True),
        Field("unassigned_date", "date", ("unassigned_date",)),
    ),
    key=("request_id", "caseworker_id", "assigned_date"),
    parents=(("request_id", "request", "request_id"), ("caseworker_id", "caseworker", "caseworker_id")),
    rules=(RowRule("DATE_ORDER", "unassigned_date", "unassigned before assigned",
                   _before("unassigned_date", "assigned_date")),),
    description="Which caseworker owned each case, and when",
)

HEALTH_ADVICE = FileKind(
    "health_advice", "health_advice", ("health_advice", "advice_requests", "advice"),
    (
        _id("advice_id", "advice_id"),
        _ref("request_id", "requeststableid", "request_id"),
        Field("advice_type", "code", ("advice_type",), required=True,
              codes=("health", "social_care", "educational_psychology")),
        Field("provider", "text", ("provider",)),
        Field("requested_date", "date", ("requested_date",), required=True),
        Field("due_date", "date", ("due_date",)),
        Field("returned_date", "date", ("returned_date",)),
    ),
    key=("advice_id",),
    parents=(("request_id", "request", "request_id"),),
    rules=(RowRule("DATE_ORDER", "returned_date", "advice returned before it was requested",
                   _before("returned_date", "requested_date")),),
    description="Advice requested for an assessment (health, social care, educational psychology): the 6-week limit",
)

REVIEW = FileKind(
    "review", "review", ("reviews", "review", "annual_reviews"),
    (
        _id("review_id", "review_id"),
        _ref("request_id", "requeststableid", "request_id"),
        Field("due_date", "date", ("due_date",), required=True),
        Field("meeting_date", "date", ("meeting_date",)),
        Field("outcome", "code", ("outcome",), codes=("M", "C", "A")),
        Field("decision_date", "date", ("decision_date",)),
        Field("family_felt_listened", "code", ("family_felt_listened",), codes=("Y", "N")),
    ),
    key=("review_id",),
    parents=(("request_id", "request", "request_id"),),
    rules=(RowRule("DATE_ORDER", "decision_date", "decision communicated before the meeting",
                   _before("decision_date", "meeting_date")),),
    description="Every annual review of an EHC plan: due, held, outcome, decision communicated",
)

SEN_SUPPORT = FileKind(
    "sen_support", "sen_support", ("sen_support", "school_census_sen_support"),
    (
        Field("census_date", "date", ("census_date",), required=True),
        _ref("pupil_ref", "pupil_ref"),
        Field("urn", "text", ("urn",), required=True, pattern=URN_PATTERN),
        Field("ncyear", "code", ("ncyear", "nc_year"), codes=("N1", "N2", "R", *map(str, range(1, 15)))),
        Field("sex", "code", ("sex",), codes=("M", "F", "U"), recode={"MALE": "M", "FEMALE": "F", "1": "M", "2": "F"}, on_error=CLEAR),
        Field("ethnicity", "text", ("ethnicity",), pattern=r"^[A-Z]{4}$", case="upper", on_error=CLEAR),
        Field("primary_need", "code", ("primary_need",), codes=SEN_TYPES),
        Field("ward_code", "text", ("ward_code",), pattern=WARD_PATTERN, case="upper", on_error=CLEAR),
        Field("fsm", "flag", ("fsm",), codes=FLAG),
    ),
    key=("census_date", "pupil_ref"),
    description="Pupils on SEN support (no EHC plan) from the January school census",
)

DISPUTE = FileKind(
    "dispute", "dispute", ("disputes", "dispute", "tribunal_mediation", "tribunals"),
    (
        _id("case_id", "case_id"),
        _ref("person_id", "persontableid", "person_id"),
        Field("request_id", "id", ("requeststableid", "request_id")),
        Field("case_type", "code", ("case_type",), required=True, codes=("mediation", "tribunal")),
        Field("appeal_type", "code", ("appeal_type",),
              codes=("refusal_to_assess", "refusal_to_issue", "plan_contents", "cease", "other")),
        Field("registered_date", "date", ("registered_date",), required=True),
        Field("concluded_date", "date", ("concluded_date",)),
        Field("outcome", "text", ("outcome",)),
    ),
    key=("case_id",),
    parents=(("person_id", "person", "person_id"),),
    rules=(RowRule("DATE_ORDER", "concluded_date", "concluded before registered",
                   _before("concluded_date", "registered_date")),),
    description="Mediation and SEND Tribunal cases",
)

AGGREGATE = FileKind(
    "aggregate_measures", "aggregate_measure", ("aggregate_measures", "aggregate_measure", "measures"),
    (
        Field("measure_code", "text", ("measure_code",), required=True, pattern=r"^[a-z0-9_]+$", case="lower"),
        Field("period", "text", ("period",), required=True),
        Field("period_type", "code", ("period_type",), required=True,
              codes=("month", "quarter", "term", "financial_year", "academic_year", "calendar_year")),
        Field("area_code", "text", ("area_code",), required=True, pattern=r"^E[0-9]{8}$", case="upper"),
        Field("breakdown", "text", ("breakdown",)),
        Field("breakdown_value", "text", ("breakdown_value",)),
        Field("numerator", "float", ("numerator",)),
        Field("denominator", "float", ("denominator",), minimum=0),
        Field("value", "float", ("value",)),
        Field("unit", "code", ("unit",), codes=("percent", "count", "rate_per_10000", "mean_score", "weeks", "days")),
        Field("source", "text", ("source",)),
        Field("synthetic", "flag", ("synthetic",), codes=FLAG),
    ),
    key=("measure_code", "period", "area_code", "breakdown", "breakdown_value"),
    rules=(RowRule("NO_VALUE", "value", "neither a value nor a numerator is given",
                   lambda f: f["value"].isna() & f["numerator"].isna()),),
    description="Tidy template for any measure a partner sends as numbers",
)

LOCAL_EXTRA_KINDS = (SCHOOL, RESIDENCE, CASEWORKER, CASEWORK, HEALTH_ADVICE, REVIEW, SEN_SUPPORT, DISPUTE, AGGREGATE)
LOCAL_KINDS = SEN2_KINDS + LOCAL_EXTRA_KINDS
