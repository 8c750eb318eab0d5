"""What the tests of the officers' views (open cases, data quality, reconciliation) read back: the page as the
browser receives it, a records grid's rows, a downloaded file, and the audit log's entries."""

from __future__ import annotations

import csv
import io
import json

import openpyxl

from dashboard import warm


def entries(path) -> list[dict]:
    """The audit log's entries, oldest first (none when nothing was written)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def page(client, search: str = "", *, path: str) -> str:
    """The page at `path` + `search` as Dash sends it, with the slashes its JSON escapes put back."""
    response = client.post("/_dash-update-component", data=json.dumps(warm.page_request(path, search)),
                           content_type="application/json")
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("\\u002f", "/")


def nodes(text: str, node_id: str) -> list[dict]:
    """Every component with the id `node_id` in the page Dash sends."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == node_id:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(text))
    return found


def grid_rows(text: str, *, grid_id: str) -> list[dict]:
    """The rows the page sends to the browser for the grid `grid_id`."""
    return [row for grid in nodes(text, grid_id) for row in grid["props"]["rowData"]]


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.data))
