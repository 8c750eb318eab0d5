"""Capture real journeys through the dashboard: every request a browser makes, saved to replay under load.

    python -m bench.journeys [--warehouse PATH] [--out FILE] [--audience partner]

Serves the app with gunicorn on loopback (the project's settings, `bench.server`) against the warehouse (default:
the sample), then drives Debian's Chromium headless through four journeys on the warehouse's home council:
  board member   start page, /board, an indicator opened from a tile, its breakdown changed to need type
  clinic         /clinic, another statutory clock chosen (its causes and months)
  commissioner   /commissioners, another measure ranked, one benchmark's report (neighbours, region, England),
                 then the region's councils compared month by month (/region, linked from the ranking)
  analyst        the data book for one indicator, the filter form sent with one breakdown, its CSV downloaded
Every request to the app is recorded with its method, path and query, POST body (the Dash callback payloads) and
status, step by step; static files (scripts, styles, fonts) are listed apart, once. Written as JSON (default
build/bench/journeys-<area>.json) for `bench.locustfile` and `bench.pages` to replay.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from bench.server import ROOT, SAMPLE_WAREHOUSE, gunicorn, session_cookie
from data.settings import settings

FORMAT = "send-dashboard-journeys/2"  # 2: the commissioner goes on to /region
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
RETRIED = "retried"  # first word of the name of a request sent again after its kept-alive connection was reset
APP_KINDS = {"/_dash-layout": "layout", "/_dash-dependencies": "dependencies"}
STEP_TIMEOUT_MS = 180_000  # a first view of a large council before any cache: generous, but bounded


def default_path(area: str) -> Path:
    return ROOT / "build" / "bench" / f"journeys-{area}.json"


def warehouse_identity(warehouse: Path) -> tuple[str, str]:
    """(home council, version) of a warehouse, as the engine reads them."""
    from indicators.engine import Engine

    engine = Engine(warehouse)
    try:
        area, version = engine.local_area, engine.version
    finally:
        engine.close()
    if not area:
        raise SystemExit(f"{warehouse} holds no council's local records: load an extract with --la first.")
    return area, version


# --- naming requests -----------------------------------------------------------------------------------------

def _output_ids(payload: dict) -> str:
    """The outputs a callback writes, shortest form: `_pages_content+_pages_store`, `nav-link`, `url`."""
    outputs = payload.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs]
    names = []
    for output in outputs:
        if isinstance(output, list):  # pattern-matching (ALL): a list of concrete ids
            output = output[0] if output else {}
        ident = output.get("id") if isinstance(output, dict) else None
        if isinstance(ident, dict):
            ident = ident.get("type", json.dumps(ident, sort_keys=True))
        if ident is None and isinstance(payload.get("output"), str):
            ident = payload["output"].split(".")[0]
        names.append(str(ident))
    return "+".join(dict.fromkeys(names))


def _pathname(payload: dict) -> str | None:
    """The page a callback is about: the `url` location's pathname among its inputs or state."""
    for item in [*(payload.get("inputs") or []), *(payload.get("state") or [])]:
        if isinstance(item, dict) and item.get("property") == "pathname" and isinstance(item.get("value"), str):
            return item["value"]
    return None


def request_name(method: str, path: str, body: str | None, page: str) -> tuple[str, str]:
    """(kind, name) of a request: kind is page, layout, dependencies, callback, download or asset; the name
    groups like requests (one name per page path, per callback output on a page, per download type)."""
    bare = urlsplit(path).path
    if bare in APP_KINDS:
        return APP_KINDS[bare], APP_KINDS[bare]
    if bare == "/_dash-update-component" and method == "POST":
        payload = json.loads(body or "{}")
        return "callback", f"callback {_output_ids(payload)} {_pathname(payload) or page}"
    if bare.startswith("/download/"):
        return "download", f"download {bare.rsplit('.', 1)[-1]}"
    if bare.startswith(("/_dash-component-suites/", "/assets/", "/_favicon")) or "." in bare.rsplit("/", 1)[-1]:
        return "asset", "asset"
    return "page", f"page {bare}"


# --- capturing --------------------------------------------------------------------------------------------------

class Recorder:
    """Records each finished request to the app while a step runs."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.steps: list[dict] = []
        self.assets: dict[str, int] = {}
        self.page = "/"

    def step(self, action: str) -> list[dict]:
        requests: list[dict] = []
        self.steps.append({"action": action, "requests": requests})
        return requests

    def on_response(self, response) -> None:
        request = response.request
        if not request.url.startswith(self.base) or not self.steps:
            return
        path = request.url.removeprefix(self.base) or "/"
        body = request.post_data if request.method == "POST" else None
        kind, name = request_name(request.method, path, body, self.page)
        if kind == "asset":
            self.assets.setdefault(path, response.status)
            return
        if kind == "page":
            self.page = urlsplit(path).path
        self.steps[-1]["requests"].append({"kind": kind, "name": name, "method": request.method, "path": path,
                                           "body": body, "status": response.status})


def _settle(page) -> None:
    """Wait until the page and its callbacks are done (Dash calls back after the layout arrives)."""
    page.wait_for_load_state("networkidle", timeout=STEP_TIMEOUT_MS)
    page.wait_for_timeout(300)
    page.wait_for_load_state("networkidle", timeout=STEP_TIMEOUT_MS)


def _click(page, selector: str, fallback: str | None = None) -> None:
    link = page.locator(selector).first
    if link.count() == 0 and fallback:
        link = page.locator(fallback).first
    link.click(timeout=STEP_TIMEOUT_MS)


def journeys(area: str) -> dict[str, list[tuple[str, Callable]]]:
    """The journeys: for each, its steps as (what the person does, how the browser does it)."""
    def go(path: str):
        return lambda page, base: page.goto(base + path, wait_until="networkidle", timeout=STEP_TIMEOUT_MS)

    def click(selector: str, fallback: str | None = None):
        return lambda page, base: _click(page, selector, fallback)

    def csv(page, base):
        with page.expect_download(timeout=STEP_TIMEOUT_MS):
            _click(page, "a[href^='/download/'][href*='.csv']")

    def breakdown(page, base):  # the data book's filter form: one breakdown, then Show
        select = page.locator("#databook-breakdown")
        values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v != "all"]
        select.select_option("primary_need" if "primary_need" in values else values[0])
        _click(page, "#databook-show")

    return {
        "board member": [
            ("open the start page", go("/")),
            ("open the board", click("a[href^='/board']")),
            ("open an indicator from a tile", click(".tile__title a")),
            ("break it down by need type", click("nav[aria-label='Breakdowns'] a[href*='breakdown=primary_need']",
                                                 "nav[aria-label='Breakdowns'] a:not([aria-current])")),
        ],
        "clinic": [
            ("open the performance clinic", go(f"/clinic?area={area}")),
            ("choose another statutory clock", click("nav[aria-label='Measures'] a:not([aria-current])")),
        ],
        "commissioner": [
            ("open the commissioners' view", go(f"/commissioners?area={area}")),
            ("rank another measure", click("nav[aria-label='Measure to rank'] a:not([aria-current])")),
            ("open a benchmark's report", click("#benchmarks ~ div a[href^='/indicator/']",
                                                "a[href^='/indicator/']")),
            ("compare the region's councils month by month", go("/region")),
        ],
        "analyst": [
            ("open the data book for caseload", go(f"/data-book?indicator=ehcp_caseload&area={area}")),
            ("filter to one breakdown", breakdown),
            ("download the CSV", csv),
        ],
    }


def capture(base: str, area: str, audience: str = "partner") -> tuple[list[dict], dict[str, int]]:
    """Walk every journey in a fresh browser context (an empty browser cache each), signed in as `audience`,
    and record its requests."""
    from playwright.sync_api import sync_playwright

    captured, assets = [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(settings().chromium), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            for name, steps in journeys(area).items():
                context = browser.new_context(accept_downloads=True)
                context.add_cookies([{"name": name, "value": value, "url": base}
                                     for name, value in session_cookie(audience, area).items()])
                page = context.new_page()
                page.set_default_timeout(STEP_TIMEOUT_MS)
                recorder = Recorder(base)
                page.on("response", recorder.on_response)
                for action, do in steps:
                    recorder.step(action)
                    started = time.monotonic()
                    do(page, base)
                    _settle(page)
                    recorder.steps[-1]["browser_seconds"] = round(time.monotonic() - started, 2)
                captured.append({"name": name, "steps": recorder.steps})
                for path, status in recorder.assets.items():
                    assets.setdefault(path, status)
                context.close()
        finally:
            browser.close()
    return captured, assets


def record(warehouse: Path, out: Path | None = None, *, audience: str = "partner") -> Path:
    """Serve the app on `warehouse`, capture the journeys and write them; returns the file written."""
    area, version = warehouse_identity(warehouse)
    out = out or default_path(area)
    with tempfile.TemporaryDirectory(prefix="bench-journeys-") as folder:
        with gunicorn(Path(folder), warehouse, timeout=120) as server:
            captured, assets = capture(server.url, area, audience)
    document = {"format": FORMAT, "captured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "warehouse": warehouse.name, "warehouse_version": version, "area": area, "audience": audience,
                "journeys": captured, "assets": [{"path": p, "status": s} for p, s in assets.items()]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1))
    return out


def load(path: Path) -> dict:
    """A captured journeys file, checked for its format."""
    document = json.loads(path.read_text())
    if document.get("format") != FORMAT:
        raise SystemExit(f"{path} is not a journeys file of format {FORMAT}: capture again with "
                         f"`python -m bench.journeys`.")
    return document


def ensure(warehouse: Path, out: Path | None = None, *, audience: str = "partner") -> Path:
    """The journeys file for this warehouse, captured now if missing or captured from another load."""
    area, version = warehouse_identity(warehouse)
    out = out or default_path(area)
    if out.exists():
        document = json.loads(out.read_text())
        if (document.get("format"), document.get("warehouse_version"), document.get("audience")) == (
                FORMAT, version, audience):
            return out
    return record(warehouse, out, audience=audience)


def callbacks(document: dict) -> list[dict]:
    """Every distinct callback request captured, in first-seen order (the same payload once)."""
    seen: dict[str, dict] = {}
    for journey in document["journeys"]:
        for step in journey["steps"]:
            for request in step["requests"]:
                if request["kind"] == "callback":
                    seen.setdefault(request["body"], request)
    return list(seen.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.journeys", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, default=SAMPLE_WAREHOUSE)
    parser.add_argument("--out", type=Path, help="the JSON file to write (default build/bench/journeys-<area>.json)")
    parser.add_argument("--audience", default="partner", choices=["public", "partner", "officer"])
    args = parser.parse_args(argv)
    out = record(args.warehouse.resolve(), args.out, audience=args.audience)
    document = load(out)
    print(f"Captured {len(document['journeys'])} journeys on {document['area']} to {out}")
    for journey in document["journeys"]:
        for step in journey["steps"]:
            kinds: dict[str, int] = {}
            for request in step["requests"]:
                kinds[request["kind"]] = kinds.get(request["kind"], 0) + 1
            bad = [r["name"] for r in step["requests"] if r["status"] >= 400]
            print(f"  {journey['name']:<14} {step['action']:<36} {step['browser_seconds']:>6.1f} s  "
                  + ", ".join(f"{n} {k}" for k, n in kinds.items()) + (f"  FAILED: {bad}" if bad else ""))
    print(f"  static files: {len(document['assets'])}; distinct callbacks: {len(callbacks(document))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
