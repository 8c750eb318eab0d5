"""The product's vocabulary as enums, shared by the catalogue, the engine, the pages and the exports."""

from __future__ import annotations

from enum import StrEnum

# Every engine result has exactly these columns, in this order.
RESULT_COLUMNS = ["period", "area_code", "area_name", "breakdown", "breakdown_value", "numerator", "denominator",
                  "value", "status"]
# Engine rows also carry where each figure comes from (not in RESULT_COLUMNS: protect() and older frames
# do not need it): DfE's publication, the council's own records, or a partner's aggregate template.
SOURCE_COLUMN = "source"
TOTAL = "Total"  # breakdown and breakdown_value of the all-children row


class Audience(StrEnum):
    OFFICER = "officer"  # unsuppressed; child-level drill-through (audited)
    PARTNER = "partner"  # board, commissioners, NHS: small numbers suppressed
    PUBLIC = "public"  # parent carer forum, published packs: stricter rounding


class Polarity(StrEnum):
    HIGH_IS_GOOD = "high_is_good"
    LOW_IS_GOOD = "low_is_good"
    NO_JUDGEMENT = "no_judgement"


class Unit(StrEnum):
    PERCENT = "percent"
    COUNT = "count"
    RATE_PER_10000 = "rate_per_10000"
    MEAN_SCORE = "mean_score"
    GAP_POINTS = "gap_points"
    WEEKS = "weeks"
    DAYS = "days"


class Status(StrEnum):
    VALUE = "value"
    SUPPRESSED = "c"
    NOT_AVAILABLE = "x"
    NOT_APPLICABLE = "z"
    LOW = "low"
    UNRELIABLE = "u"


class RowSource(StrEnum):
    PUBLISHED = "published"  # DfE's published figure: the official one
    LOCAL = "local"  # computed from the council's own records
    PARTNER = "partner"  # a partner's aggregate template


class Benchmark(StrEnum):
    STATISTICAL_NEIGHBOURS = "statistical_neighbours"
    REGION = "region"
    ENGLAND = "england"
    ALL_LAS = "all_las"
