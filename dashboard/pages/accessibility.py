"""Accessibility statement, as UK public sector bodies must publish one: how accessible the dashboard is, what
is known not to be, and what was tested, with what and when.

The versions of the test tools are read from the packages installed with the dashboard (requirements.txt pins
them), so the statement names what the test suite of this copy runs. The date the suite last passed is not known
when the page is built; the date of the last review by hand is REVIEWED.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from importlib import metadata, util
from pathlib import Path

import dash
from dash import html

dash.register_page(__name__, path="/accessibility", name="Accessibility", title="Accessibility statement", order=90)

REVIEWED = date(2026, 11, 30)  # the last review by hand (below); change it, and what it says, at the next one
UNKNOWN = "not installed on this server"


@lru_cache(maxsize=1)
def tool_versions() -> dict[str, str]:
    """{"axe-core": "4.12.1", "Playwright": "1.65.2"}: axe-core's version from the script the axe package ships
    (its first line names it), Playwright's from its package; UNKNOWN where one is not installed."""
    versions = {"axe-core": UNKNOWN, "Playwright": UNKNOWN}
    spec = util.find_spec("axe_playwright_python")  # found, not imported: the page needs only its file
    script = Path(next(iter(spec.submodule_search_locations))) / "axe.min.js" if spec else None
    if script is not None and script.is_file():
        with script.open(encoding="utf-8") as handle:
            found = re.search(r"axe v(\d+\.\d+\.\d+)", handle.read(500))
        if found:
            versions["axe-core"] = found.group(1)
    try:
        versions["Playwright"] = metadata.version("playwright")
    except metadata.PackageNotFoundError:
        pass
    return versions


def _day(when: date) -> str:
    return f"{when.day} {when:%B %Y}"


KNOWN_ISSUES = [
    ("Charts are single images to assistive technology. ", "Each is named by its title and described by its "
     "written summary, and its figures are in a table under “View as table”, but a screen reader or keyboard "
     "cannot move from point to point within it."),
    ("Chart labels that appear on hover ", "show with a mouse only, and go when the pointer leaves the point, so "
     "they cannot be hovered over themselves (WCAG 1.4.13). Every figure they show is in the chart's table."),
    ("The ward map ", "opens a ward on a click; with a keyboard, use the “Open a ward” list beside it, which "
     "leads to the same pages."),
    ("The data grids ", "of the data book and the officers' lists of records use a component from another "
     "supplier (AG Grid). Arrow keys move between their cells, unlike the rest of the page; on a narrow screen a "
     "grid scrolls sideways within itself. The CSV and Excel downloads hold the same rows."),
    ("Not yet tested by people who use assistive technology. ", "No one has yet used the dashboard with a screen "
     "reader (NVDA, JAWS, VoiceOver, TalkBack), screen magnifier or speech recognition for this statement. "
     "Windows' contrast themes (forced colours) were checked only as Chromium emulates them, not on Windows "
     "itself. Automated tools find only part of the problems people meet."),
]


def layout(**_query) -> html.Div:
    versions = tool_versions()
    return html.Div([
        html.H1("Accessibility statement"),
        html.P("This statement covers this local area SEND dashboard: its pages, charts, tables and downloads. The "
               "council that runs this copy is responsible for it. We want as many people as possible to be able to "
               "use it."),
        html.H2("What you can expect"),
        html.Ul([
            html.Li("Every page can be used with a keyboard alone, with a visible focus and a skip link."),
            html.Li("Every chart has a written summary, is named and described for screen readers, and can be shown "
                    "as a table."),
            html.Li("Colour is never the only way meaning is shown: ratings are also written in words."),
            html.Li("Text and graphics meet contrast requirements; the colour palette is safe for colour blindness."),
            html.Li("Pages reflow to a screen 320 pixels wide, or zoomed to 400%, without scrolling sideways: wide "
                    "tables scroll within their own box, which a keyboard can reach."),
            html.Li("The board pack PDF is tagged (its headings, lists and tables are marked for screen readers) "
                    "and has bookmarks."),
        ]),
        html.H2("Compliance status"),
        html.P("This dashboard is partially compliant with the Web Content Accessibility Guidelines (WCAG) version "
               "2.2 at level AA, because of the known issues below."),
        html.H2("Known issues"),
        html.Ul([html.Li([html.Strong(lead), words]) for lead, words in KNOWN_ISSUES], id="known-issues"),
        html.H2("How we test"),
        html.P("The dashboard's test suite checks:"),
        html.Ul([
            html.Li(f"every page, as partners and as council officers see it, with axe-core {versions['axe-core']} "
                    "(its rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices), in the "
                    f"Chromium web browser (Debian's package) driven by Playwright {versions['Playwright']};"),
            html.Li("reflow: each main page at 320 pixels wide, and at 1280 pixels zoomed to 400%, never scrolls "
                    "sideways, and every box that scrolls is named and reachable by keyboard;"),
            html.Li("a journey with the keyboard alone: signing in, the board, an indicator, its breakdown and a "
                    "drill-down, a CSV download, and each audience's views. At every step the focused element must "
                    "show a focus indicator that is not covered or cut off. The journey runs twice: in normal "
                    "colours, and with forced colours on (as Windows' contrast themes set them, emulated by "
                    "Chromium), where only an outline can show focus;"),
            html.Li("every chart's name and description, as Chromium's accessibility tree gives them to a screen "
                    "reader."),
        ], id="tests"),
        html.P("The project's continuous integration runs the suite on every change, from a fresh copy of the code. "
               "The date it last ran is in the project's test records, not on this page."),
        html.P([f"On {_day(REVIEWED)} the team checked, by hand: the board and an indicator's report at 320 pixels "
                "wide, by eye; axe-core's best-practice findings on every main page; the keyboard journey's findings; and the main pages with "
                "WCAG's increased text spacing (1.4.12), at 1280 and 320 pixels wide, where no text was cut off. "
                "Fixed then: pages that scrolled sideways at 320 pixels wide (the board, and pages with wide "
                "tables); expandable sections without the dashboard's focus style; charts on the board and in the "
                "board pack without a description; an untagged board pack PDF; text boxes whose focus showed only "
                "as a shadow, which forced colours do not draw; and data-grid cells whose focus ring was cut off "
                "at the grid's edge. With forced colours on, the board was read by eye: ratings, text and focus "
                "follow the contrast theme."], id="reviewed"),
        html.H2("Reporting a problem"),
        html.P("If you find something you cannot use, contact the council's SEND performance team, who own this "
               "service. We aim to reply within 5 working days."),
        html.H2("Enforcement"),
        html.P("The Equality and Human Rights Commission enforces the Public Sector Bodies (Websites and Mobile "
               "Applications) (No. 2) Accessibility Regulations 2018. If you are not happy with our response, "
               "contact the Equality Advisory and Support Service."),
        html.H2("Preparation of this statement"),
        html.P(f"This statement was prepared on {_day(REVIEWED)}, when the dashboard was last reviewed."),
    ])
