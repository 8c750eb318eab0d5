"""Pages planted in the running app to prove the page walk (tests/walk.py) has teeth.

Each is registered the way a real page is, with `dash.register_page`, after the app is built, and breaks one
rule only: `/planted-words` reads a forbidden word, `/planted-axe` shows an image with no text alternative (an
axe-core violation), `/planted-csp` shows an image from another site (which the Content-Security-Policy
refuses), and the templated `/planted/<thing>` has no fill value in FILLS. The tests that plant
them take them out again (`unplant`), so no other test ever walks them.
"""

from __future__ import annotations

import dash
from dash import html

WORDS = "/planted-words"
AXE = "/planted-axe"
CSP = "/planted-csp"
ELSEWHERE = "https://example.org/planted.png"
TEMPLATE = "/planted/<thing>"
FORBIDDEN_TEXT = "Children waiting: NaN"
# A one-pixel transparent GIF: an image that loads, so only its missing alt text is wrong.
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def _words(**_query) -> html.Div:
    return html.Div([html.H1("Planted page"), html.P(FORBIDDEN_TEXT)])


def _axe(**_query) -> html.Div:
    return html.Div([html.H1("Planted page"), html.Img(src=PIXEL, width=1, height=1)])


def _csp(**_query) -> html.Div:
    return html.Div([html.H1("Planted page"), html.Img(src=ELSEWHERE, alt="Planted image", width=1, height=1)])


def plant(*, templated: bool = False) -> list[str]:
    """Register the planted pages (the unfilled templated one too if asked); returns their module names."""
    pages = {"tests.planted.words": {"path": WORDS, "layout": _words},
             "tests.planted.axe": {"path": AXE, "layout": _axe},
             "tests.planted.csp": {"path": CSP, "layout": _csp}}
    if templated:
        pages["tests.planted.template"] = {"path": "/planted", "path_template": TEMPLATE, "layout": _words}
    for module, settings in pages.items():
        dash.register_page(module, name="Planted page", **settings)
    return list(pages)


def unplant(modules: list[str]) -> None:
    for module in modules:
        dash.page_registry.pop(module, None)
