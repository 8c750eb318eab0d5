"""The page shell every view shares: skip link, header, navigation, footer with sources and licence."""

from __future__ import annotations

import dash
from dash import Dash, html

from dashboard import routes, warehouse
from dashboard.theme import branding

OGL_TEXT = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

INDEX = """<!DOCTYPE html>
<html lang="en-GB">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def _synthetic_banner() -> html.Div | None:
    try:
        with warehouse.cursor() as con:
            flag = con.execute("SELECT value FROM warehouse_info WHERE key = 'synthetic_local_data'").fetchone()
    except warehouse.WarehouseUnavailable:
        return None
    if flag and flag[0] == "true":
        return html.Div(
            [html.Strong("Synthetic local data. "),
             "The child-level records in this dashboard are generated for demonstration; "
             "they describe no real child. National figures are real published statistics."],
            className="banner banner--synthetic", role="note")
    return None


def frame() -> html.Div:
    brand = branding()
    nav = [html.Li(html.A(page["name"], href=page["relative_path"], className="nav__link"))
           for page in dash.page_registry.values() if page.get("order") is not None and not page.get("hidden")]
    return html.Div([
        html.A("Skip to main content", href="#main", className="skip-link"),
        html.Header([
            html.Div([
                html.Img(src=dash.get_asset_url(brand.logo), alt=f"{brand.council_name} logo", className="header__logo")
                if brand.logo else None,
                html.Span(brand.council_name, className="header__council") if brand.council_name else None,
                html.A(brand.service_name, href="/", className="header__service"),
            ], className="header__inner"),
            html.Nav(html.Ul(nav, className="nav__list"), className="nav", **{"aria-label": "Main"}),
        ], className="header"),
        _synthetic_banner(),
        html.Main(dash.page_container, id="main", className="main", tabIndex="-1"),
        html.Footer([
            html.P([
                "Sources: Department for Education, SEN2 'Education, health and care plans' and Local Authority "
                "Interactive Tool; DfE statistical neighbours; ONS geography lookups. ",
                html.A("Data sources and provenance", href="/about-the-data"), " · ",
                html.A("Accessibility statement", href="/accessibility"),
            ]),
            html.P([OGL_TEXT, " ", html.A("Open Government Licence v3.0", href=OGL_URL, rel="license")]),
        ], className="footer"),
    ], className="page")


def create_app() -> Dash:
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="pages",
        assets_folder="../assets",
        title=branding().service_name,
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    app.index_string = INDEX
    app.layout = frame
    routes.register(app.server)
    return app
