"""How numbers and periods read on a page: one place, so every view says the same thing the same way."""

from __future__ import annotations


def format_period(period: str) -> str:
    """DfE period codes as people write them: `202425` -> `2024/25`, `2024` -> `2024`, `2024-03` -> `Mar 2024`."""
    text = str(period)
    if len(text) == 6 and text.isdigit():
        return f"{text[:4]}/{text[4:]}"
    if len(text) == 7 and text[4] == "-":
        months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
        return f"{months[int(text[5:]) - 1]} {text[:4]}"
    return text
