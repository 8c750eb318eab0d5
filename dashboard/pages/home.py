"""Start page: which area is loaded, what data is in the warehouse, and how much of it was quarantined."""

from __future__ import annotations

import dash
from dash import html

from dashboard import warehouse
from dashboard.format import format_period
from data.warehouse.status import TABLE_GROUPS, summarise

dash.register_page(__name__, path="/", name="Home", title="Local area SEND dashboard", order=0)

LABELS = {
    "national_fact": "Published national figures", "stat_neighbour": "Statistical neighbour pairs",
    "lait_measure": "LAIT measure definitions", "area_inspection": "Area SEND inspections",
    "dim_la": "Local authorities", "dim_region": "Regions", "dim_ward": "Wards", "dim_need_type": "Need types",
    "la_nhs": "LA to NHS geography", "person": "Children and young people", "request": "Requests for assessment",
    "assessment": "EHC needs assessments", "named_plan": "EHC plans", "plan_detail": "Settings named in plans",
    "active_plan": "Active plans", "placement": "Placements", "sen_need": "Recorded needs",
    "review": "Annual reviews", "health_advice": "Advice requests", "casework": "Case allocations",
    "caseworker": "Caseworkers", "residence": "Residence and school records", "dim_school": "Schools and settings",
    "sen_support": "Pupils on SEN support (census)", "dispute": "Mediation and tribunal cases",
    "aggregate_measure": "Partner measures (aggregate)",
}


def _unavailable(message: str) -> html.Div:
    return html.Div([
        html.H1("The data is not available"),
        html.P(message, className="notice notice--error"),
    ])


def layout(**_query) -> html.Div:
    try:
        with warehouse.cursor() as con:
            summary = summarise(con)
    except warehouse.WarehouseUnavailable as exc:
        return _unavailable(str(exc))
    area = summary.la_name or "No local area loaded"
    sections = []
    for group, tables in TABLE_GROUPS.items():
        rows = [html.Tr([html.Th(LABELS.get(t, t), scope="row"), html.Td(f"{summary.table_rows[t]:,}", className="num")])
                for t in tables if t in summary.table_rows]
        sections.append(html.Section([
            html.H2(group),
            html.Table([
                html.Caption(f"{group}: rows loaded"),
                html.Thead(html.Tr([html.Th("What", scope="col"), html.Th("Rows", scope="col", className="num")])),
                html.Tbody(rows),
            ], className="table"),
        ]))
    periods = html.Table([
        html.Caption("Published datasets and the periods they cover"),
        html.Thead(html.Tr([html.Th("Dataset", scope="col"), html.Th("First period", scope="col"),
                            html.Th("Latest period", scope="col")])),
        html.Tbody([html.Tr([html.Td(d.replace("_", " ")), html.Td(format_period(first)), html.Td(format_period(last))])
                    for d, first, last in summary.national_datasets]),
    ], className="table")
    return html.Div([
        html.H1(f"SEND in {area}" if summary.la_name else "Local area SEND dashboard"),
        html.P([
            f"Warehouse version {summary.info['version']}, data to {summary.info['reference_date']}. ",
            f"{summary.quarantined_rows:,} row(s) were set aside at load and {summary.cleared_values:,} value(s) cleared "
            "because they failed validation; officers can review them.",
        ], className="lede"),
        *sections,
        html.Section([html.H2("Published data periods"), periods]),
    ])
