"""Warm after load: the home council's default views are drawn into the app's cache before a load goes live.

A board meeting is twenty people opening the same links the moment new figures land. A load therefore draws those
views itself, for the council's partners and for signed-out visitors, on the new file before it is swapped in, as
a browser would ask for them (the same request bodies, so `dashboard.response_cache` keys them the same): every
page without a path variable, every theme and the measures the main pages link to. Their engine answers are computed on the way. The answers are keyed by the
new file's version, so nobody sees them before the swap, and everybody after it.

Run by the data command line after the facts (`python -m data ingest` / `sample`); the cache is the app's
(settings `SEND_CACHE_DIR` or `SEND_CACHE_REDIS_URL`), so the load must run with the app's settings.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import dash

CONTENT = ".._pages_content.children..._pages_store.data.."


@dataclass
class Warmed:
    views: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)


def page_request(path: str, search: str) -> dict:
    """The body a browser posts for a page's content on its first load (as Chromium sends it)."""
    changed = ["_pages_location.pathname", "_pages_location.search"]
    return {"output": CONTENT,
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": changed, "parsedChangedPropsIds": changed}


def default_views() -> list[tuple[str, str]]:
    """(path, search) of the views people open first: every page without a path variable, as a link from
    outside gives it (no query) and as the app's own links give it (the home council), every theme, the
    measures the board, the clinic and the commissioners' page link to, and the other measures the clinic and
    the commissioners' page switch to. Called inside the app's context."""
    from dashboard import views
    from dashboard.filters import query_string

    engine = views.get_engine()
    code = views.default_area(engine).code
    home = query_string({"area": code})
    views_: list[tuple[str, str]] = []
    for page in dash.page_registry.values():
        if page.get("path_template") is None and page["path"] != "/404" and not page.get("hidden"):
            views_ += [(page["path"], ""), (page["path"], home)]
    views_ += [(f"/theme/{slug}", home) for slug, _ in views.themes()]
    measures = views.page_measures()
    linked = [*views.kpi_ids(engine)[0], *measures.clinic.timeliness, *measures.commissioners.compared,
              *measures.commissioners.ranked, *measures.commissioners.demand, *measures.commissioners.placements]
    views_ += [(f"/indicator/{indicator}", home) for indicator in linked]
    # the measures the clinic and the commissioners' page offer to switch to, as their own links give them
    views_ += [("/clinic", query_string({"area": code, "indicator": i})) for i in measures.clinic.timeliness]
    views_ += [("/commissioners", query_string({"area": code, "indicator": i}))
               for i in measures.commissioners.ranked]
    views_.append(("/region", ""))  # not in the menu, but the commissioners' ranking links to it
    return list(dict.fromkeys(views_))


def warmed_for(council: str) -> list:
    """Who the views are drawn for: the council's partners (the board meeting) and signed-out visitors. Answers
    are kept per set of roles (`response_cache.who_asks`), so every partner of the council shares these."""
    from dashboard.identity import ANONYMOUS, Role, User

    return [User("warm:partner", "Warm-up", {council: frozenset({Role.PARTNER})}, "warm"), ANONYMOUS]


def warm(warehouse: Path) -> Warmed:
    """Draw the default views of the warehouse at `warehouse` (not yet live) into the app's cache."""
    from dashboard import views
    from dashboard.identity import SESSION_KEY, session_data
    from dashboard.shell import create_app
    from dashboard.views import Problem
    from indicators.engine import release_shared

    started = time.perf_counter()
    app = create_app(warehouse=Path(warehouse))
    done = Warmed()
    try:
        with app.server.app_context():
            try:
                wanted = default_views()
                council = views.default_area(views.get_engine()).code
            except Problem as problem:  # e.g. a load without the national data has no councils to show
                done.failed.append(f"none: {problem.message}")
                return done
        for who in warmed_for(council):
            client = app.server.test_client()
            if who.signed_in:
                with client.session_transaction() as session:
                    session[SESSION_KEY] = session_data(who)
            for path, search in wanted:
                answer = client.post("/_dash-update-component", data=json.dumps(page_request(path, search)),
                                     content_type="application/json")
                if answer.status_code == 200:
                    done.views += 1
                else:
                    done.failed.append(f"{path}{search} ({who.grants_key() or 'signed out'}): "
                                       f"HTTP {answer.status_code}")
    finally:
        release_shared(warehouse)  # the file is about to be swapped in under the live name
        done.seconds = time.perf_counter() - started
    return done
