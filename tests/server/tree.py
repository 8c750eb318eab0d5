"""Reading a rendered Dash component tree in server tests: its text, and the components that match."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# The properties a reader sees or hears (a hidden form field's value excepted).
TEXT_PROPS = ("children", "title", "aria-label", "label", "placeholder", "alt", "value")
SPOKEN = ("aria-label", "aria-valuetext", "aria-description")
CHART_TEXT = ("text", "hovertext", "name", "title")


def text(node: Any) -> str:
    """All the text the tree would render, space-separated."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " ".join(text(c) for c in node)
    return text(getattr(node, "children", None))


def texts(node: Any) -> list[str]:
    """Every piece of text a reader could see or hear: children, labels, titles, options and chart text."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if item is None or isinstance(item, bool):
            return
        if isinstance(item, str | int | float):
            found.append(str(item))
        elif isinstance(item, list | tuple):
            for child in item:
                walk(child)
        elif hasattr(item, "to_plotly_json"):
            props = item.to_plotly_json()["props"]
            for name in TEXT_PROPS:
                value = props.get(name)
                if name == "value" and props.get("type") == "hidden":
                    continue  # a hidden form field carries the URL state; nobody sees it
                if name == "children":
                    walk(value)
                elif isinstance(value, str):
                    found.append(value)
            found.extend(v for k, v in props.items() if k in SPOKEN and isinstance(v, str))
            if props.get("figure") is not None:
                found.extend(_chart_texts(props["figure"]))
            found.extend(str(o.get("label", "")) for o in props.get("options") or [] if isinstance(o, dict))

    walk(node)
    return found


def _chart_texts(figure: Any) -> list[str]:
    import plotly

    out: list[str] = []

    def walk(item: Any, key: str | None = None) -> None:
        if isinstance(item, dict):
            for k, v in item.items():
                walk(v, k)
        elif isinstance(item, list):
            for v in item:
                walk(v, key)
        elif isinstance(item, str) and key in CHART_TEXT:
            out.append(item)

    walk(json.loads(json.dumps(figure, cls=plotly.utils.PlotlyJSONEncoder)))
    return out


def find(node: Any, match: Callable[[Any], bool]) -> list:
    """Every component in the tree for which `match` is true, outermost first."""
    found, stack = [], [node]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list | tuple):
            stack[:0] = list(item)
        elif hasattr(item, "to_plotly_json"):
            if match(item):
                found.append(item)
            stack.insert(0, getattr(item, "children", None))
    return found


@contextmanager
def request_as(server: Any, path: str = "/", role: str | None = "partner") -> Iterator[None]:
    """Inside a request on `server` made by a person holding `role` in the sample's council (None: signed out)."""
    import flask

    from tests.identity import user

    with server.test_request_context(path):
        flask.g.who, flask.g.session_problem = user(role), None
        yield


def layout(server: Any, path: str, *, as_role: str | None = "partner", **query: Any) -> Any:
    """The page registered at `path`, laid out for `query` inside a request on `server` (as Dash would), for a
    person holding `as_role` in the sample's council (None: signed out)."""
    import dash

    entry = next(p for p in dash.page_registry.values() if p["path"] == path)
    with request_as(server, path, as_role):
        return entry["layout"](**query)
