"""Councils compared: this month's statutory timeliness, demand and placements from each council's own records,
side by side, for the councils of a group the warehouse holds (the home council's region, or SEND_REGION_GROUP).

URL: /region?indicator=ehcp_requests (the measure whose months are drawn)&audience=public (a stricter view)

Each council's figures are protected for the tier the reader holds in *that* council (`access.audience_for`):
an officer sees their own council's figures in full and every other council's as the public does, unless they
hold a role there; never a child's record. Everything here is local and provisional where clocks still run:
the ranking and the funnel plot use each council's twelve settled months only. Hidden from the navigation (like
the officers' views); the commissioners' view links here.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import pandas as pd
from dash import html

from dashboard import components, figures, filters, views
from data import settings
from indicators import regional
from indicators.vocabulary import Audience

PATH = "/region"
dash.register_page(__name__, path=PATH, name="Councils compared", title="Councils compared", order=35, hidden=True,
                   charts=True)

TABLE = "region-table"
TIERS = {Audience.OFFICER: "in full (officer)", Audience.PARTNER: "as partners see them (small numbers suppressed)",
         Audience.PUBLIC: "as the public sees them (small numbers suppressed, others rounded to 5)"}


def _missing(row: pd.Series) -> str:
    """What stands for a figure the row lacks: for an officer nothing is suppressed, so it is none."""
    return "none" if Audience(row["audience"]) is Audience.OFFICER else "not shown (suppressed or none)"


def _value(row: pd.Series, column: str, places: int = 1) -> str:
    value = row[column]
    return _missing(row) if pd.isna(value) else figures.format_value(value, row["unit"], places)


def _span(row: pd.Series) -> str:
    """' (Jul 2024 to Jun 2025)': the twelve months a figure covers (nothing when no month is shown)."""
    if pd.isna(row["window_last"]):
        return ""
    return f" ({figures.format_period(row['window_first'])} to {figures.format_period(row['window_last'])})"


def _ranked_table(found: regional.Regional) -> pd.DataFrame:
    summary = found.summary
    by = {(r["council"], r["indicator"]): r for _, r in summary.iterrows()}
    rows = []
    for _, t in regional.ranked(summary).iterrows():
        code = t["council"]
        # The latest *settled* month: a month whose clocks still run holds only the quick cases (100% on time,
        # say), so it is drawn, marked provisional, in the chart below and never set in the table
        latest = (f"{figures.format_period(t['window_last'])}: {_value(t, 'settled_value')}"
                  if pd.notna(t["window_last"]) else _missing(t))
        published = (f"{_value(t, 'published_value')} ({figures.format_period(t['published_period'])})"
                     if pd.notna(t["published_period"]) else "not published")
        requests, plans = by[(code, "ehcp_requests")], by[(code, "ehcp_new_plans")]
        caseload, independent = by[(code, "ehcp_caseload")], by[(code, "ehcp_independent_special")]
        rows.append({
            "Council": t["council_name"], "Rank": "" if pd.isna(t["rank"]) else str(t["rank"]),
            "Plans in 20 weeks (12 settled months)": _value(t, "window_value") + _span(t),
            "Plans in 20 weeks, latest settled month": latest,
            "Plans in 20 weeks, published by DfE": published,
            "Requests (12 months)": _value(requests, "window_value", 0) + _span(requests),
            "New plans (12 months)": _value(plans, "window_value", 0) + _span(plans),
            "Caseload": _value(caseload, "settled_value", 0),
            "Caseload growth (12 months)": (_missing(caseload) if pd.isna(caseload["window_value"])
                                            else f"{caseload['window_value']:+.1f}%") + _span(caseload),
            "Independent or non-maintained special": _value(independent, "settled_value"),
            "Figures shown": TIERS[Audience(t["audience"])]})
    return pd.DataFrame(rows)


def _published_table(found: regional.Regional, engine) -> pd.DataFrame:
    """Each council's latest figure DfE published for every measure (public, as published)."""
    rows = []
    for code in found.councils:
        mine = found.summary[found.summary["council"] == code]
        row = {"Council": engine.area_name(code)}
        for _, r in mine.iterrows():
            title = engine.indicator(r["indicator"]).short_title
            row[title] = (f"{_value(r, 'published_value', engine.indicator(r['indicator']).decimal_places)} "
                          f"({figures.format_period(r['published_period'])})" if pd.notna(r["published_period"])
                          else "not published")
        rows.append(row)
    return pd.DataFrame(rows)


def _months_chart(found: regional.Regional, engine, chosen: str) -> html.Figure:
    indicator = engine.indicator(chosen)
    return components.chart(
        figures.council_months(found.months, indicator), title=f"{indicator.short_title}: each council by month",
        caption="Local records, by month. Open markers: provisional months, whose statutory clocks are still "
                "running; they never drive the ranking or the funnel plot.",
        summary=figures.summary_council_months(found.months, indicator),
        table=figures.table_council_months(found.months, indicator),
        table_caption=f"{indicator.short_title}, each council by month (local records)", id="region-months")


def _choices(chosen: str, engine, audience: str | None) -> html.Nav:
    links = []
    for indicator_id in regional.INDICATORS:
        query = {"indicator": indicator_id, **({"audience": audience} if audience else {})}
        extra = {"aria-current": "page"} if indicator_id == chosen else {}
        links.append(html.Li(html.A(engine.indicator(indicator_id).short_title,
                                    href=f"{PATH}?{urlencode(query)}", **extra)))
    return html.Nav([html.H2("Each council by month"), html.P("Choose a measure:"),
                     html.Ul(links, className="choices")], **{"aria-label": "Measure by month"})


@views.guarded("Councils compared")
def layout(**query) -> html.Div:
    engine = views.get_engine()
    group = engine.region_group(settings.region_group())
    if not group:
        raise views.Problem("No council's records are loaded", "This view compares councils' own records, and the "
                            "warehouse holds none.", "Load a council's extract with `python -m data ingest`.")
    asked = filters.one(query.get("audience"))
    audiences = {code: filters.clean_audience(asked, code) for code in group}
    found = engine.regional(audiences)
    chosen = filters.clean_choice(query.get("indicator"), list(regional.INDICATORS)) or regional.TIMELINESS
    points, pooled = regional.funnel(found.summary)
    names = [engine.area_name(code) for code in group]
    timeliness = found.summary[found.summary["indicator"] == regional.TIMELINESS]
    left_out = len(timeliness) - len(points)
    notes = [f"Figures shown {TIERS[tier]}: "
             f"{figures.listed([engine.area_name(code) for code, held in audiences.items() if held == tier])}."
             for tier in TIERS if tier in audiences.values()]
    if len(group) == 1:
        notes.insert(0, f"The warehouse holds the records of one council in this group, {names[0]}, so there is "
                        "no other council to compare yet: load another council's extract to set them side by side.")
    return html.Div([
        html.H1("Councils compared"),
        html.P(f"{', '.join(names)}: statutory timeliness, requests, new plans, caseload and placements from each "
               "council's own records (local figures, not DfE's), month by month and over each council's latest "
               "twelve settled months, beside the latest figure DfE published. Months whose clocks are still "
               "running are provisional: shown, but never ranked.", className="lede"),
        html.Ul([html.Li(n) for n in notes], className="notes", id="region-notes"),
        html.Section([
            html.H2("Ranked by plans issued in 20 weeks"),
            components.scrolling(components.data_table(
                _ranked_table(found), "Each council's local figures, ranked by the share of plans issued within 20 "
                "weeks over its twelve settled months (1 is best)", id=TABLE), "Councils ranked"),
            html.H3("Beside them: the latest figures DfE published"),
            components.scrolling(components.data_table(
                _published_table(found, engine), "Each council's latest published figure for each measure (DfE, "
                "SEN2), with its year: official, and the same for every reader", id="region-published"),
                "Latest published figures"),
        ]),
        html.Section([components.chart(
            figures.council_funnel(points, pooled, left_out=left_out), title=figures.title_council_funnel(points),
            caption="Local records, twelve settled months. The lines are the 95% and 99.8% control limits round the "
                    "group's rate for each number of requests (binomial), so a small council is not misjudged.",
            summary=figures.summary_council_funnel(points, pooled), table=figures.table_council_funnel(points),
            table_caption="Plans issued within 20 weeks against the control limits", id="region-funnel",
            heading_level=2)]),
        html.Section([_choices(chosen, engine, asked), _months_chart(found, engine, chosen)]),
    ], className="page page--region")
