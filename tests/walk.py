"""Every page Dash has registered, as the URLs a reader can open: the walk the server and browser tests share.

A page is found by walking `dash.page_registry`, so a new page is checked without anyone listing it. A page
whose path has a variable (`/indicator/<indicator_id>`) needs a real value to be worth opening; FILLS gives
one from the sample warehouse, and the walk refuses a templated page that FILLS does not cover rather than
skip it. A templated page that names a path of its own (`/indicator`) is opened there too: Dash serves that as
its index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dash

from indicators.vocabulary import Audience

# A value from the sample warehouse for each variable of each templated path.
FILLS: dict[str, dict[str, str]] = {
    "/indicator/<indicator_id>": {"indicator_id": "ehcp_issued_20wk"},
    "/theme/<theme>": {"theme": "governance"},
}
AUDIENCES = list(Audience)


class Unfilled(AssertionError):
    """A templated page with no fill value: add one to FILLS in tests/walk.py."""


@dataclass(frozen=True)
class Stop:
    """One URL to open: the page's registered `path` (what Dash looks a layout up by) and its `variables`."""

    module: str
    path: str
    url: str
    variables: dict[str, str] = field(default_factory=dict)


def stops(registry: dict | None = None) -> list[Stop]:
    """Every URL of every registered page, in the registry's order. Raises Unfilled for a templated page that
    FILLS does not cover, or a FILLS entry no page has (a renamed page)."""
    pages = list((dash.page_registry if registry is None else registry).values())
    templates = {p["path_template"] for p in pages if p.get("path_template")}
    unfilled, stale = sorted(templates - FILLS.keys()), sorted(FILLS.keys() - templates)
    if unfilled or stale:
        raise Unfilled(f"templated pages with no fill value: {unfilled}; fill values for no page: {stale}. "
                       "Give each templated path a value from the sample warehouse in FILLS (tests/walk.py).")
    out = []
    for page in pages:
        template = page.get("path_template")
        if not template or page.get("supplied_path"):  # a path Dash made up for a template ends in "none"
            out.append(Stop(page["module"], page["path"], page["path"]))
        if template:
            variables = FILLS[template]
            url = template
            for name, value in variables.items():
                url = url.replace(f"<{name}>", value)
            if "<" in url:
                raise Unfilled(f"{template}: FILLS leaves a variable unfilled ({url})")
            out.append(Stop(page["module"], page["path"], url, variables))
    return out
