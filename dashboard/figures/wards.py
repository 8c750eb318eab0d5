"""The measure by ward: a choropleth from boundaries, or a generated hex tile map with its geometry and the
colour maths that keeps every tile's label readable."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.figures.breakdown import title_breakdown
from dashboard.figures.layout import add_note, axis_title, empty_figure, new_figure, safe_text
from dashboard.figures.rows import breakdown_rows, meta
from dashboard.format import SYMBOLS, format_period, format_value, symbol_text
from dashboard.theme import MUTED_COLOUR, SEQUENTIAL, SUPPRESSED_FILL, TEXT_COLOUR


def _ward_list(wards: Any, part: pd.DataFrame) -> list[tuple[str, str]]:
    """[(code, name)] from a frame/records with ward_code and ward_name, a {code: name} mapping, or the rows."""
    pairs: list[tuple[str, str]] = []
    if isinstance(wards, pd.DataFrame):
        wards = wards.to_dict("records")
    if isinstance(wards, Mapping):
        pairs = [(str(k), str(v)) for k, v in wards.items()]
    elif wards:
        for w in wards:
            if isinstance(w, Mapping):
                code = w.get("ward_code") or w.get("code") or w.get("area_code")
                name = w.get("ward_name") or w.get("name") or w.get("area_name") or code
                if code:
                    pairs.append((str(code), str(name)))
            else:
                pairs.append((str(w), str(w)))
    if not pairs:
        pairs = [(v, v) for v in sorted(set(part["breakdown_value"])) if v]
    seen: dict[str, str] = {}
    for code, name in pairs:
        seen.setdefault(code, name)
    return sorted(seen.items(), key=lambda p: (p[1].lower(), p[0]))


def hex_layout(keys: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Centres of pointy-topped hexagons (unit circumradius) for `keys`, in the order given, filling a compact
    hexagon row by row from the top left (reading order). The smallest hexagon that holds them all is used;
    spare cells are left off the ends of the first and last rows, so the shape stays compact and every tile
    sits on the hex grid. Deterministic; no two keys share a cell.
    """
    n = len(keys)
    if n == 0:
        return {}
    side = 1
    while 3 * side * (side - 1) + 1 < n:
        side += 1
    width = math.sqrt(3)
    cells: list[tuple[float, float]] = []
    rows = 2 * side - 1
    for r in range(rows):
        length = side + min(r, rows - 1 - r)
        start = -(length - 1) / 2
        for j in range(length):
            cells.append(((start + j) * width, -1.5 * (r - (rows - 1) / 2)))
    spare = len(cells) - n
    head = spare // 2
    cells = cells[head:len(cells) - (spare - head)]
    return {key: cells[i] for i, key in enumerate(keys)}


def _hex_path(x: float, y: float, radius: float = 0.97) -> str:
    points = [(x + radius * math.cos(math.radians(60 * k - 30)), y + radius * math.sin(math.radians(60 * k - 30)))
              for k in range(6)]
    return "M " + " L ".join(f"{px:.4f},{py:.4f}" for px, py in points) + " Z"


def short_name(name: str, width: int = 11) -> str:
    """A ward name that fits a tile: up to two lines of about `width` characters, `and` as `&`."""
    words = str(name).replace(" and ", " & ").split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if len(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], lines[1].rstrip("&").rstrip() + "…"]
    return "<br>".join(line if len(line) <= width + 3 else line[:width] + "…" for line in lines)


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_for(fill: str) -> str:
    """Black or white, whichever contrasts more with `fill` (a #rrggbb colour)."""
    lum = _luminance(fill)
    return TEXT_COLOUR if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def _to_hex(colour: str) -> str:
    if colour.startswith("#"):
        return colour
    parts = [int(float(p)) for p in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    return "#" + "".join(f"{p:02x}" for p in parts)


def _ward_values(rows: Any, wards: Any, period: str | None) -> tuple[list[dict[str, Any]], str | None]:
    part, _, period = breakdown_rows(rows, "ward", period)
    by_key = {v: (x, s) for v, x, s in zip(part["breakdown_value"], part["value"], part["status"], strict=True)}
    out = []
    for code, name in _ward_list(wards, part):
        value, status = by_key.get(code, by_key.get(name, (np.nan, "x")))
        out.append({"code": code, "name": name, "value": None if pd.isna(value) else float(value), "status": status})
    return out, period


def _geo_key(geojson: Mapping[str, Any], codes: set[str]) -> str | None:
    features = geojson.get("features") or []
    if not features:
        return None
    if all(f.get("id") is not None for f in features[:5]) and any(str(f.get("id")) in codes for f in features):
        return "id"
    props = features[0].get("properties") or {}
    for key in props:
        if any(str((f.get("properties") or {}).get(key)) in codes for f in features):
            return f"properties.{key}"
    return None


@safe_text
def ward_map(rows: Any, indicator: Any, wards: Any = None, geojson: Mapping[str, Any] | None = None, *,
             period: str | None = None) -> go.Figure:
    """The indicator by ward: a choropleth when a ward GeoJSON is given (features keyed by ward code),
    otherwise a generated hex tile map of the area's wards in alphabetical reading order (`hex_layout`).

    wards: the area's wards as a frame or records with `ward_code` and `ward_name`, or a {code: name}
    mapping; rows' ward values may be names or codes. Each tile shows a short ward name and the value;
    a suppressed ward is pale grey with its symbol. Every tile or area carries [ward code, ward name] in
    `customdata` for drill-down. Use `breakdown_bars(rows, indicator, "ward")` beside it as the ranked view.
    """
    m = meta(indicator)
    items, period = _ward_values(rows, wards, period)
    if not items:
        return empty_figure("There are no figures by ward for this selection.")
    valued = [e["value"] for e in items if e["value"] is not None]
    when = f", {format_period(period)}" if period else ""
    hover = [f"{e['name']}: {format_value(e['value'], m.unit, m.places, e['status'])}{when}" for e in items]
    custom = [[e["code"], e["name"]] for e in items]
    lo, hi = (min(valued), max(valued)) if valued else (0.0, 1.0)
    if hi == lo:
        hi = lo + 1
    colorbar = {"title": {"text": f"{axis_title(m)} (darker is higher)", "side": "top"}, "thickness": 12,
                "len": 0.6, "orientation": "h", "x": 0.5, "xanchor": "center", "yanchor": "top",
                **({"ticksuffix": "%"} if m.unit == "percent" else {})}
    scale = [[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)]
    key = _geo_key(geojson, {e["code"] for e in items}) if geojson else None
    if geojson and key:
        fig = new_figure(height=520)
        shown = [e for e in items if e["value"] is not None]
        hidden = [e for e in items if e["value"] is None]
        if hidden:
            fig.add_trace(dict(type="choropleth",
                geojson=geojson, featureidkey=key, locations=[e["code"] for e in hidden], z=[0] * len(hidden),
                colorscale=[[0, SUPPRESSED_FILL], [1, SUPPRESSED_FILL]], showscale=False, name="No figure",
                marker={"line": {"color": MUTED_COLOUR, "width": 0.6}},
                customdata=[[e["code"], e["name"]] for e in hidden],
                hovertext=[f"{e['name']}: {symbol_text(e['status'])}" for e in hidden],
                hovertemplate="%{hovertext}<extra></extra>"))
        if shown:
            fig.add_trace(dict(type="choropleth",
                geojson=geojson, featureidkey=key, locations=[e["code"] for e in shown],
                z=[e["value"] for e in shown], zmin=lo, zmax=hi, colorscale=scale, colorbar=colorbar,
                name=m.short_title, marker={"line": {"color": "#ffffff", "width": 0.8}},
                customdata=[[e["code"], e["name"]] for e in shown],
                hovertext=[f"{e['name']}: {format_value(e['value'], m.unit, m.places)}{when}" for e in shown],
                hovertemplate="%{hovertext}<extra></extra>"))
        fig.update_geos(fitbounds="locations", visible=False)
        fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 10})
        return fig
    centres = hex_layout([e["code"] for e in items])
    span_x = max(abs(x) for x, _ in centres.values()) + 1.2
    span_y = max(abs(y) for _, y in centres.values()) + 1.3
    # Sized for a half-width column (about 560 pixels): the tiles fill it, with the scale and note below.
    plot_height = max(220, min(640, int(560 * span_y / span_x)))
    bottom = 140
    colorbar["y"] = -16 / plot_height
    fig = new_figure(height=plot_height + bottom + 10)
    fills, texts, colours, tiles = [], [], [], []
    for e in items:
        if e["value"] is None:
            fill = SUPPRESSED_FILL
            label = e["status"] if e["status"] in SYMBOLS else "x"
        else:
            fill = _to_hex(sample_colorscale(scale, [(e["value"] - lo) / (hi - lo)])[0])
            label = format_value(e["value"], m.unit, m.places)
        x, y = centres[e["code"]]
        edge = {"color": "#b1b4b6", "width": 1} if e["value"] is None else {"color": "#ffffff", "width": 2}
        tiles.append({"type": "path", "path": _hex_path(x, y, 0.95 if e["value"] is None else 0.97),
                      "fillcolor": fill, "line": edge, "layer": "below"})
        fills.append(fill)
        colours.append(text_colour_for(fill))
        texts.append(f"{short_name(e['name'])}<br><b>{label}</b>")
    xs = [centres[e["code"]][0] for e in items]
    ys = [centres[e["code"]][1] for e in items]
    fig.add_trace(dict(type="scatter",
        x=xs, y=ys, mode="markers+text", text=texts, textposition="middle center",
        textfont={"size": 10, "color": colours}, name=m.short_title, showlegend=False,
        marker={"symbol": "hexagon", "size": 46, "colorscale": scale,
                "color": [lo if e["value"] is None else e["value"] for e in items],
                "cmin": lo, "cmax": hi, "opacity": 0, "showscale": bool(valued), "colorbar": colorbar},
        customdata=custom, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_xaxes(visible=False, range=[-span_x, span_x], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-span_y, span_y], scaleanchor="x", scaleratio=1, fixedrange=True)
    # All tiles at once: plotly validates the whole shape list on each add_shape, so one call per ward grew
    # with the square of the wards (4.4 s for Kent's 253).
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": bottom}, shapes=tiles)
    hidden = sum(1 for e in items if e["value"] is None)
    note = "Wards in alphabetical order, read left to right and top to bottom; tiles are not to scale."
    if hidden:
        note += f" {hidden} grey tile(s): suppressed (c) or not available (x)."
    add_note(fig, note, y=-(84 if valued else 16) / plot_height)
    return fig


def title_ward_map(rows: Any, indicator: Any, wards: Any = None, *, period: str | None = None) -> str:
    return title_breakdown(rows, indicator, "ward", period=period, breakdown_label="ward")


def summary_ward_map(rows: Any, indicator: Any, wards: Any = None, *, period: str | None = None) -> str:
    m = meta(indicator)
    items, period = _ward_values(rows, wards, period)
    if not items:
        return "There are no figures by ward for this selection."
    valued = sorted((e for e in items if e["value"] is not None), key=lambda e: (-e["value"], e["name"]))
    when = f"In {format_period(period)}, " if period else ""
    if not valued:
        return f"{when}no ward has a figure that can be shown; all {len(items)} are suppressed or not available."
    text = (f"{when}{len(valued)} of {len(items)} wards have a figure, from "
            f"{format_value(valued[-1]['value'], m.unit, m.places)} in {valued[-1]['name']} to "
            f"{format_value(valued[0]['value'], m.unit, m.places)} in {valued[0]['name']}.")
    if len(valued) < len(items):
        text += f" The other {len(items) - len(valued)} are suppressed to protect privacy or not available."
    return text
