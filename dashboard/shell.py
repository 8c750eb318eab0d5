"""The page shell every view shares: skip link, header with the council's branding, the audience entry points
and the themes, and a footer with sources, licence and the accessibility statement.

The shell holds the one `dcc.Location` the pickers and drill-down callbacks write to (`refresh="callback-nav"`:
the URL changes and Dash rebuilds the page from `layout(**query)` without a full reload). The synthetic-data
banner is not here but on each page that shows figures from the local records (`components.synthetic_banner`),
since the shell is drawn once and cannot know what a page shows. Navigation links carry
the chosen area and period, so moving between views keeps them.
"""

from __future__ import annotations

import re
from pathlib import Path

import dash
import flask
from dash import ALL, Dash, Input, Output, dcc, html
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import (
    audit,
    casework,
    filters,
    health,
    logs,
    quality,
    reconciliation,
    response_cache,
    routes,
    security,
    signin,
)
from dashboard.identity import Role, current_user
from dashboard.theme import branding
from data.settings import settings

OGL_TEXT = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
DEFAULT_PRIMARY = "#1d4f91"
NAV_LINK = "nav-link"  # pattern-matching id type: {"type": NAV_LINK, "path": "/board"}
THEME_LINK = "theme-link"
FOOTER_FROM = 80  # pages ordered from here on are linked from the footer, not the main navigation
CARRIED = ("area", "period", "audience")  # what navigation keeps from the current URL
BASIC_PLOTLY = "plotly-basic.min.js"
GEO_OUTLINE = "plotly-geo.js"

# Dash's own index wraps its scripts in a <footer>: a second "contentinfo" landmark beside the page's footer.
INDEX = """<!DOCTYPE html>
<html lang="en-GB">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
<body>{%app_entry%}{%config%}{%scripts%}{%renderer%}</body>
</html>"""


# --- branding ----------------------------------------------------------------------------------------------

def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def safe_primary(colour: str | None) -> str:
    """The council's colour if it is a #rrggbb colour white text can sit on at 4.5:1 (WCAG AA); else the
    accessible default. A council's colour never makes the header unreadable."""
    if not colour or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour.strip()):
        return DEFAULT_PRIMARY
    colour = colour.strip()
    contrast = 1.05 / (_luminance(colour) + 0.05)
    return colour if contrast >= 4.5 else DEFAULT_PRIMARY


def _synthetic() -> bool:
    from dashboard import views

    try:
        return views.get_engine().info.get("synthetic_local_data") == "true"
    except (views.Problem, Exception):  # noqa: BLE001 - the shell must render even with no warehouse
        return False


# --- navigation --------------------------------------------------------------------------------------------

def _pages(footer: bool) -> list[dict]:
    pages = [p for p in dash.page_registry.values() if p.get("order") is not None and not p.get("hidden")]
    pages = [p for p in pages if (p["order"] >= FOOTER_FROM) == footer]
    unique = {p["relative_path"]: p for p in sorted(pages, key=lambda p: p["order"], reverse=True)}
    return sorted(unique.values(), key=lambda p: p["order"])  # one link per path


def _nav_link(path: str, text: str, kind: str = NAV_LINK) -> html.Li:
    return html.Li(html.A(text, href=path, id={"type": kind, "path": path}, className="nav__link"))


def _theme_nav() -> html.Nav:
    from dashboard import views

    links = [_nav_link(f"/theme/{slug}", title, THEME_LINK) for slug, title in views.themes()]
    return html.Nav([html.Span("Themes:", className="themes__label", id="themes-label"),
                     html.Ul(links, className="themes__list")],
                    className="themes", **{"aria-labelledby": "themes-label"})


def frame() -> html.Div:
    brand = branding()
    nav = [_nav_link(page["relative_path"], page["name"]) for page in _pages(footer=False)]
    footer_links = []
    for page in _pages(footer=True):
        footer_links += [html.A(page["name"], href=page["relative_path"]), " · "]
    synthetic = _synthetic()
    return html.Div([
        dcc.Location(id=filters.URL, refresh="callback-nav"),
        html.A("Skip to main content", href="#main", className="skip-link"),
        html.Header([
            html.Div([
                html.Img(src=dash.get_asset_url(brand.logo), alt=f"{brand.council_name or 'Council'} logo",
                         className="header__logo") if brand.logo else None,
                html.Span(brand.council_name, className="header__council") if brand.council_name else None,
                html.A(brand.service_name, href="/", className="header__service"),
                _account(),
            ], className="header__inner"),
            html.Nav(html.Ul(nav, className="nav__list"), className="nav", **{"aria-label": "Main"}),
            _theme_nav(),
        ], className="header"),
        # A named region: every piece of the page sits in a landmark, so a screen reader's landmark list misses none.
        html.Section(html.P([html.Strong("Demo mode: "), "sign in as a demo user to see the dashboard as each role "
                             "sees it. For trying the dashboard on sample data only, never real children's records."]),
                     className="banner banner--demo", **{"aria-label": "Demo mode"})
        if settings().auth == "demo" else None,
        html.Main(dcc.Loading(dash.page_container, type="default", color="#1d4f91", delay_show=300,
                              overlay_style={"visibility": "visible", "opacity": 0.6}, className="page-loading"),
                  id="main", className="main", tabIndex="-1"),
        html.Footer([
            html.P([
                "Sources: Department for Education, SEN2 'Education, health and care plans' and Local Authority "
                "Interactive Tool; DfE statistical neighbours; ONS geography lookups; the council's own records. ",
                html.A("Data sources and provenance", href="/about-the-data"), " · ",
                html.A("Indicator dictionary", href="/dictionary"), " · ",
                html.A("Accessibility statement", href="/accessibility"),
            ]),
            html.P(["Local figures on this copy are ", html.Strong("synthetic sample data"),
                    ": they describe no real child."]) if synthetic else None,
            html.P([OGL_TEXT, " ", html.A("Open Government Licence v3.0", href=OGL_URL, rel="license")]),
            html.P(footer_links[:-1], className="footer__links") if footer_links else None,
        ], className="footer"),
    ], className="page", style={"--primary": safe_primary(brand.primary_colour)})


ACCOUNT_TOOLS = [(Role.OFFICER, "Open cases", "/casework"), (Role.OFFICER, "Data quality", "/data-quality"),
                 (Role.OFFICER, "SEN2 reconciliation", "/reconciliation"), (Role.ADMIN, "Administration", "/admin")]


def _council_name(code: str) -> str:
    from dashboard import views

    try:
        return views.get_engine().area(code).name
    except Exception:  # noqa: BLE001 - a council the warehouse does not know, or no warehouse: its code
        return code


def _account() -> html.Div | None:
    """Who is signed in, with a sign-out button (a form: it works without JavaScript), or a sign-in link."""
    user = current_user()
    if settings().auth == "public":
        return None
    if not user.signed_in:
        return html.Div(html.A("Sign in", href="/sign-in", className="header__account-link"), className="header__account")
    tools = [html.A(text, href=path, className="header__account-link") for role, text, path in ACCOUNT_TOOLS
             if user.has(role)]
    return html.Div([
        *tools,
        html.Span([html.Span("Signed in: ", className="visually-hidden"), user.name,
                   html.Span(f" ({user.describe(_council_name)})", className="header__roles")]),
        html.Form(html.Button("Sign out", type="submit", className="header__sign-out"), method="post",
                  action="/sign-out"),
    ], className="header__account")


# --- the callback: navigation keeps the area and period, and marks the current page --------------------------

def carry_state(pathname: object, search: object, ids: list[dict]) -> tuple[list[str], list[str | None]]:
    """Each navigation link's href with the current area and period, and aria-current on the page shown."""
    from dashboard import views

    params = filters.parse_search(search)
    if params.get("area"):
        try:
            params["area"] = views.resolve_area(views.get_engine(), params["area"]).code
        except views.Problem:
            params.pop("area")
    area = params.get("area")
    params["audience"] = filters.audience_param(filters.clean_audience(params.get("audience"), area), area)
    if params.get("period") and not views.looks_like_period(params["period"]):
        params.pop("period")
    kept = {k: params[k] for k in CARRIED if params.get(k)}
    current = pathname if isinstance(pathname, str) else ""
    hrefs, currents = [], []
    for item in ids:
        path = item.get("path") if isinstance(item, dict) else None
        path = path if isinstance(path, str) and path.startswith("/") else "/"
        hrefs.append(filters.href(path, kept))
        currents.append("page" if current == path else None)
    return hrefs, currents


def _register_callbacks(app: Dash) -> None:
    for kind in (NAV_LINK, THEME_LINK):
        app.callback(
            Output({"type": kind, "path": ALL}, "href"),
            Output({"type": kind, "path": ALL}, "aria-current"),
            Input(filters.URL, "pathname"), Input(filters.URL, "search"),
            Input({"type": kind, "path": ALL}, "id"),
        )(carry_state)


def _assets_ignore() -> str:
    """Every chart is a scatter or a bar, drawn by the basic plotly.js bundle in assets/vendor (on the pages that
    declare charts: App below). Ward boundaries drawn as a choropleth need the full bundle, which dcc.Graph fetches
    itself when the page has no Plotly of its own (see assets/vendor/README.md), and the empty world outline that
    keeps it from fetching one from another site (assets/plotly-geo.js): each is served only when it is used."""
    from dashboard import views

    return re.escape(BASIC_PLOTLY) if views.ward_geojson() is not None else re.escape(GEO_OUTLINE)


# --- scripts: a page's first load brings only the large scripts its own layout needs ---------------------------

def page_at(path: str) -> dict:
    """The registered page a URL path (without the app's prefix) opens: a path template's match, else the page's
    path; {} when none does (Dash's 404). Stricter than Dash's own rule, where a template's variable is a
    wildcard that spans '/': here it is one segment, so `/indicator/a/b` is an unknown path, not an indicator."""
    path = path.strip("/")
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template and re.fullmatch(_template_pattern(template), path):
            return page
        if page["path"].strip("/") == path:
            return page
    return {}


def _template_pattern(template: str) -> str:
    """A path template ('/indicator/<indicator_id>') as a pattern in which each variable is one path segment."""
    return "[^/]+".join(re.escape(part) for part in re.split(r"<.*?>", template.strip("/")))


class App(Dash):
    """Dash whose index of a page carries the two large scripts only if the page says, when it registers, that
    it needs them: `dash.register_page(..., charts=True)` for plotly.js (a dcc.Graph), `grid=True` for AG Grid
    (its main bundle alone is 361 kB compressed, against a chart page's 1 MB budget). Both stay registered and
    served; only the index's script tags differ. Safe because every page is a full load: navigation is by plain
    links and forms, and the one callback that changes the URL (the indicator drill-down) stays on its page."""

    def optional_scripts(self) -> dict[str, str]:
        """What a page can declare it needs -> the start of the URL of the script(s) that brings."""
        return {"charts": self.get_asset_url(f"vendor/{BASIC_PLOTLY}"),
                "grid": self.get_relative_path("/_dash-component-suites/dash_ag_grid/")}

    def interpolate_index(self, **kwargs: str) -> str:
        if flask.has_request_context():
            page = page_at(self.strip_relative_path(flask.request.path) or "")
            unneeded = [f'src="{url}' for need, url in self.optional_scripts().items() if not page.get(need)]
            kwargs["scripts"] = "\n".join(tag for tag in kwargs.get("scripts", "").split("\n")
                                          if not any(src in tag for src in unneeded))
        return super().interpolate_index(**kwargs)


def create_app(warehouse: Path | None = None) -> Dash:
    """The app, on the configured warehouse or (a load warming its views before it goes live) on `warehouse`."""
    app = App(
        __name__,
        use_pages=True,
        pages_folder="pages",
        assets_folder="../assets",
        assets_ignore=_assets_ignore(),
        title=branding().service_name,
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=True,  # gzip/brotli: plotly and AG Grid bundles shrink to a fraction of their size
    )
    app.server.config["WAREHOUSE"] = warehouse
    if settings().proxies:  # the person's address and the site's scheme and host, as the proxies saw them
        hops = settings().proxies
        app.server.wsgi_app = ProxyFix(app.server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.index_string = INDEX
    app.layout = frame
    _register_callbacks(app)
    logs.install(app.server)  # first: every request has its id, and its line is written once it is answered
    security.install(app.server)  # then: a refused request is never signed in, nor answered from the kept answers
    health.register(app.server)  # /healthz and /readyz
    signin.install(app.server)
    routes.register(app.server)
    audit.register(app.server)  # /admin/audit.csv
    casework.register(app.server)  # /casework/open-cases.csv and .xlsx
    reconciliation.register(app.server)  # /reconciliation/<table>.csv and .xlsx
    quality.register(app.server)  # /data-quality/<rule>.csv and .xlsx
    response_cache.install(app.server)
    # Dash registers its scripts while serving its first request, after marking that done: a fresh worker
    # taking several requests at once answered some script requests with 500 ("not a registered library").
    # One in-process request now finishes the registration before the worker accepts any.
    app.server.test_client().get("/_dash-dependencies")
    return app
