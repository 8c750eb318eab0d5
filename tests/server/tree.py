"""Reading a rendered Dash component tree in server tests: its text, and the components that match."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def text(node: Any) -> str:
    """All the text the tree would render, space-separated."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list | tuple):
        return " ".join(text(c) for c in node)
    return text(getattr(node, "children", None))


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


def layout(server: Any, path: str, **query: Any) -> Any:
    """The page registered at `path`, laid out for `query` inside a request on `server` (as Dash would)."""
    import dash

    entry = next(p for p in dash.page_registry.values() if p["path"] == path)
    with server.test_request_context(path):
        return entry["layout"](**query)
