"""Page weight: bytes a browser transfers for a page's first load, against its budget: 1 MB for a page that draws
charts (issue 9), 1.5 MB for any other (QUALITY.md).

    python -m bench.page_weight [--warehouse PATH] [PATH ...]

Starts the app on the sample warehouse (build it first with `python -m data sample`), opens each page in a fresh
headless Chromium (Debian's, at /usr/bin/chromium) with an empty cache, and adds up every response's transferred
size (headers and body as sent, so compression counts). A chart page is one that loads plotly.js (the app serves it
only to pages that declare charts). Prints each page's total, its ratio to its budget and its largest files.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from data.settings import settings

ROOT = Path(__file__).resolve().parent.parent
BUDGET_BYTES = 1_500_000  # any page (QUALITY.md)
CHART_BUDGET_BYTES = 1_000_000  # a page that draws charts (issue 9)
CHROMIUM = str(settings().chromium)
PAGES = ["/", "/board?area=E06000023", "/clinic?area=E06000023", "/commissioners?area=E06000023",
         "/indicator/ehcp_issued_20wk?area=E06000023", "/board-pack?area=E06000023",
         "/data-book?indicator=ehcp_caseload&area=E06000023"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(warehouse: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "SEND_WAREHOUSE": str(warehouse), "PORT": str(port)}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=1)
            return process, url
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"The app did not start on {warehouse}: run `python -m data sample` first.")


def budget(files: list[tuple[str, int]]) -> int:
    """A page's budget in bytes, from the files its first load fetched."""
    return CHART_BUDGET_BYTES if any("plotly" in name.split("?")[0] for name, _ in files) else BUDGET_BYTES


def measure(url: str, paths: list[str]) -> list[tuple[str, int, list[tuple[str, int]]]]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for path in paths:
            context = browser.new_context()  # an empty cache: a first visit
            page = context.new_page()
            files: list[tuple[str, int]] = []
            page.on("requestfinished", lambda r, files=files: files.append(
                (r.url.removeprefix(url), r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"])))
            page.goto(url + path, wait_until="networkidle")
            page.wait_for_timeout(1000)  # charts load plotly.js after the layout arrives
            results.append((path, sum(size for _, size in files), sorted(files, key=lambda f: -f[1])))
            context.close()
        browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_weight", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "data" / "sample" / "warehouse.duckdb")
    parser.add_argument("--top", type=int, default=4, help="largest files to list per page")
    parser.add_argument("paths", nargs="*", default=PAGES)
    args = parser.parse_args(argv)
    process, url = _start(args.warehouse)
    try:
        results = measure(url, args.paths)
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(f"{'page':<55} {'transferred':>12} {'budget':>9} {'of budget':>10}")
    for path, total, files in results:
        limit = budget(files)
        print(f"{path:<55} {total / 1e6:>9.2f} MB {limit / 1e6:>6.1f} MB {total / limit:>9.2f}x"
              f"{'  OVER' if total > limit else ''}")
        for name, size in files[:args.top]:
            print(f"    {size / 1e3:>8.1f} kB  {name.split('?')[0][:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
