"""Council branding and the one accessible palette every chart and page uses.

A council sets SEND_COUNCIL_NAME, SEND_LOGO (a file in assets/) and SEND_PRIMARY_COLOUR; the defaults pass
WCAG 2.2 AA contrast against white.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.settings import settings

# Okabe-Ito colour-blind-safe palette, darkened where needed for 3:1 contrast of graphics on white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8C6D00", "#56B4E9", "#000000"]
RAG_COLOURS = {"green": "#00703C", "amber": "#8C6D00", "red": "#B10E1E", "none": "#505A5F"}


@dataclass(frozen=True)
class Branding:
    council_name: str
    service_name: str
    logo: str | None
    primary_colour: str


def branding() -> Branding:
    return Branding(
        council_name=settings().council_name,
        service_name=settings().service_name,
        logo=settings().logo,
        primary_colour=settings().primary_colour,
    )


# --- the one plotly template --------------------------------------------------------------------------------
# Every figure in dashboard/figures/ sets `template=TEMPLATE`; the template is registered once, on import.

TEMPLATE = "send"
FONT_FAMILY = '"Helvetica Neue", Arial, sans-serif'
TEXT_COLOUR = "#0b0c0c"
MUTED_COLOUR = "#505a5f"  # 7:1 on white: secondary text, comparator bars, gridline labels
GRID_COLOUR = "#dcdcdc"
HIGHLIGHT = "#D55E00"  # the area itself (always with a marker or label as well as the colour)
NEIGHBOUR = "#0072B2"  # its statistical neighbours
COMPARATOR = "#505a5f"  # averages: neighbours' mean, region, England
OTHER = "#8a9299"  # every other LA (3:1 on white)
SUPPRESSED_FILL = "#f3f2f1"
# Quartile bands A (best) to D (worst): light tints behind the bars; the letters carry the meaning.
BAND_FILLS = {"A": "rgba(0, 158, 115, 0.10)", "B": "rgba(86, 180, 233, 0.10)", "C": "rgba(230, 159, 0, 0.10)",
              "D": "rgba(213, 94, 0, 0.10)"}
# Sequential scale (light to dark blue) for maps: one hue, readable in every form of colour blindness.
SEQUENTIAL = ["#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b"]


def _register_template() -> None:
    import plotly.graph_objects as go
    import plotly.io as pio

    if TEMPLATE in pio.templates:
        return
    axis = {"gridcolor": GRID_COLOUR, "linecolor": MUTED_COLOUR, "zerolinecolor": GRID_COLOUR,
            "tickfont": {"color": TEXT_COLOUR, "size": 13}, "title": {"font": {"color": TEXT_COLOUR, "size": 13}},
            "automargin": True, "showline": False, "ticks": ""}
    pio.templates[TEMPLATE] = go.layout.Template(layout={
        "font": {"family": FONT_FAMILY, "color": TEXT_COLOUR, "size": 13},
        "colorway": PALETTE,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": axis,
        "yaxis": axis,
        "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": TEXT_COLOUR,
                       "font": {"family": FONT_FAMILY, "color": TEXT_COLOUR, "size": 13}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0,
                   "font": {"size": 13}},
        "margin": {"l": 10, "r": 20, "t": 40, "b": 40},
        "separators": ".,",
        "dragmode": False,
    })


_register_template()
