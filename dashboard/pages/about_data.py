"""Where every figure comes from, and the licence it is re-used under."""

from __future__ import annotations

import dash
from dash import html

from dashboard import components
from dashboard.format import SYMBOL_MEANINGS
from dashboard.shell import OGL_TEXT, OGL_URL

dash.register_page(__name__, path="/about-the-data", name="About the data", title="About the data", order=80)

SOURCES = [
    ("Education, health and care plans (SEN2)", "Department for Education, Explore Education Statistics, 2025 release",
     "EHC plan caseload, requests, assessments, 20-week timeliness, needs, annual reviews, ceased plans, personal "
     "budgets, 2019 to 2025; the older series 2014 to 2021."),
    ("Local Authority Interactive Tool (LAIT)", "Department for Education",
     "Attainment, destinations, absence and suspensions by SEN status; children in need and in care with SEN."),
    ("Children's services statistical neighbours", "Department for Education, May 2025",
     "Each council's ten most similar councils, used for benchmarking."),
    ("SEND and alternative provision dashboard", "Department for Education",
     "Tribunal appeal rates, area SEND inspection outcomes, high-needs deficits."),
    ("Geography lookups", "Office for National Statistics and DfE", "Wards, councils, regions and NHS areas."),
    ("Local records", "The council's SEN2 return and case-management extract",
     "Requests, assessments, plans, reviews, advice and casework, loaded by the council. In the sample, synthetic."),
]


def layout(**_query) -> html.Div:
    return html.Div([
        html.H1("About the data"),
        components.scrolling(html.Table([
            html.Caption("Data sources used in this dashboard"),
            html.Thead(html.Tr([html.Th("Source", scope="col"), html.Th("Publisher", scope="col"),
                                html.Th("What it provides", scope="col")])),
            html.Tbody([html.Tr([html.Td(a), html.Td(b), html.Td(c)]) for a, b, c in SOURCES]),
        ], className="table"), "Data sources used in this dashboard"),
        html.H2("Licence"),
        html.P([OGL_TEXT, " ", html.A("Read the Open Government Licence v3.0", href=OGL_URL, rel="license")]),
        html.H2("Symbols"),
        html.Dl([part for symbol, meaning in SYMBOL_MEANINGS.items()
                 for part in (html.Dt(symbol), html.Dd(f"{meaning[:1].upper()}{meaning[1:]}."))]),
    ])
