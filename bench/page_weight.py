"""Page weight: bytes a browser transfers for a page's first load, against its budget: 1 MB for a page that draws
charts (issue 9), 1.5 MB for any other (QUALITY.md).

    python -m bench.page_weight [--warehouse PATH] [--json FILE] [PATH ...]

Serves the app with gunicorn on loopback (`bench.server`, the project's settings) on the warehouse (default: the
sample; build it first with `python -m data sample`), opens each page (default: the main pages for the
warehouse's own council) in a fresh headless Chromium (SEND_CHROMIUM, Debian's by default) with an empty cache,
and adds up every response's transferred size (headers and body as sent, so compression counts). A chart page is
one that loads plotly.js (the app serves it only to pages that declare charts). Prints each page's total, its
ratio to its budget and its largest files.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench.journeys import CHROMIUM_ARGS
from bench.server import SAMPLE_WAREHOUSE, gunicorn, home_area
from data.settings import settings

BUDGET_BYTES = 1_500_000  # any page (QUALITY.md)
CHART_BUDGET_BYTES = 1_000_000  # a page that draws charts (issue 9)


def pages(area: str) -> list[str]:
    """The main pages for a council: the start page and every chart page a journey opens."""
    return ["/", f"/board?area={area}", f"/clinic?area={area}", f"/commissioners?area={area}",
            f"/indicator/ehcp_issued_20wk?area={area}", f"/board-pack?area={area}",
            f"/data-book?indicator=ehcp_caseload&area={area}"]


def budget(files: list[tuple[str, int]]) -> int:
    """A page's budget in bytes, from the files its first load fetched."""
    return CHART_BUDGET_BYTES if any("plotly" in name.split("?")[0] for name, _ in files) else BUDGET_BYTES


def measure(url: str, paths: list[str]) -> list[tuple[str, int, list[tuple[str, int]]]]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(settings().chromium), headless=True,
                                             args=CHROMIUM_ARGS)
        for path in paths:
            context = browser.new_context()  # an empty cache: a first visit
            page = context.new_page()
            files: list[tuple[str, int]] = []
            page.on("requestfinished", lambda r, files=files: files.append(
                (r.url.removeprefix(url), r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"])))
            page.goto(url + path, wait_until="networkidle", timeout=180_000)
            page.wait_for_timeout(1000)  # charts load plotly.js after the layout arrives
            results.append((path, sum(size for _, size in files), sorted(files, key=lambda f: -f[1])))
            context.close()
        browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_weight", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, default=SAMPLE_WAREHOUSE)
    parser.add_argument("--top", type=int, default=4, help="largest files to list per page")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("paths", nargs="*", help="pages to open (default: the main pages for the home council)")
    args = parser.parse_args(argv)
    warehouse = args.warehouse.resolve()
    paths = args.paths or pages(home_area(warehouse))
    with tempfile.TemporaryDirectory(prefix="bench-weight-") as folder:
        with gunicorn(Path(folder), warehouse, timeout=120) as server:
            results = measure(server.url, paths)
    print(f"{'page':<55} {'transferred':>12} {'budget':>9} {'of budget':>10}")
    for path, total, files in results:
        limit = budget(files)
        print(f"{path:<55} {total / 1e6:>9.2f} MB {limit / 1e6:>6.1f} MB {total / limit:>9.2f}x"
              f"{'  OVER' if total > limit else ''}")
        for name, size in files[:args.top]:
            print(f"    {size / 1e3:>8.1f} kB  {name.split('?')[0][:90]}")
    if args.json:
        args.json.write_text(json.dumps({"budget_bytes": BUDGET_BYTES, "chart_budget_bytes": CHART_BUDGET_BYTES,
                                         "pages": [{"path": path, "bytes": total, "budget_bytes": budget(files),
                                                    "largest": files[:args.top]} for path, total, files in results]},
                                        indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
