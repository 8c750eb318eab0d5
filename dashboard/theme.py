"""Council branding and the one accessible palette every chart and page uses.

A council sets SEND_COUNCIL_NAME, SEND_LOGO (a file in assets/) and SEND_PRIMARY_COLOUR; the defaults pass
WCAG 2.2 AA contrast against white.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

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
        council_name=os.environ.get("SEND_COUNCIL_NAME", ""),
        service_name=os.environ.get("SEND_SERVICE_NAME", "Local area SEND dashboard"),
        logo=os.environ.get("SEND_LOGO") or None,
        primary_colour=os.environ.get("SEND_PRIMARY_COLOUR", "#1d4f91"),
    )
