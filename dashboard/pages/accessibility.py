"""Accessibility statement, as UK public sector bodies must publish one."""

from __future__ import annotations

import dash
from dash import html

dash.register_page(__name__, path="/accessibility", name="Accessibility", title="Accessibility statement", order=90)


def layout(**_query) -> html.Div:
    return html.Div([
        html.H1("Accessibility statement"),
        html.P("This dashboard is built to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA."),
        html.H2("What you can expect"),
        html.Ul([
            html.Li("Every page can be used with a keyboard alone, with a visible focus and a skip link."),
            html.Li("Every chart has a written summary and can be shown as a table."),
            html.Li("Colour is never the only way meaning is shown: ratings are also written in words."),
            html.Li("Text and graphics meet contrast requirements; the colour palette is safe for colour blindness."),
            html.Li("Pages work when zoomed to 400% and with screen readers."),
        ]),
        html.H2("How we test"),
        html.P("Automated checks with axe-core run on every page in our test suite, alongside keyboard checks."),
        html.H2("Reporting a problem"),
        html.P("If you find something you cannot use, contact the council's SEND performance team, who own this "
               "service. We aim to reply within 5 working days."),
        html.H2("Enforcement"),
        html.P("The Equality and Human Rights Commission enforces the Public Sector Bodies (Websites and Mobile "
               "Applications) Accessibility Regulations 2018. If you are not happy with our response, contact the "
               "Equality Advisory and Support Service."),
    ])
