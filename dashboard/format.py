"""How periods, numbers, symbols and labels read on a page: one place, so every view says the same thing
the same way."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

# The DfE / GSS symbols that stand in for a figure, and our `p` beside one, in the order a legend lists them:
# (the short word shown after a symbol, what it means). Every page, chart, legend and file words them from here.
SYMBOL_WORDS: dict[str, tuple[str, str]] = {
    "c": ("suppressed", "confidential: hidden to protect children's privacy (a small number, or one that could "
                        "reveal one)"),
    "x": ("not available", "not available: the source has no figure for this"),
    "z": ("not applicable", "not applicable: the figure does not apply here"),
    "low": ("rounds to zero", "rounds to zero, but is not zero"),
    "u": ("low reliability", "low reliability: too few children for the figure to be dependable"),
    "p": ("provisional", "provisional: statutory clocks are still running for some cases, so the figure will "
                         "change"),
}
SYMBOL_SHORT = {symbol: words[0] for symbol, words in SYMBOL_WORDS.items()}
SYMBOL_MEANINGS = {symbol: words[1] for symbol, words in SYMBOL_WORDS.items()}
# The symbols that stand in for a figure, with their short word; `p` marks a figure, never replaces one.
SYMBOLS: dict[str, str] = {k: v for k, v in SYMBOL_SHORT.items() if k != "p"}
QUARTERS = {"1": "Jan to Mar", "2": "Apr to Jun", "3": "Jul to Sep", "4": "Oct to Dec"}
# What follows a value of each unit ("17.3%", "28.0 weeks"); a count or a score has nothing after it.
_UNIT_SUFFIX = {"percent": "%", "rate_per_10000": " per 10,000", "weeks": " weeks", "days": " days",
                "gap_points": " points"}
# A difference between two values of a unit, in words ("9.1 percentage points").
_UNIT_WORDS = {"percent": "percentage points", "rate_per_10000": "per 10,000", "weeks": "weeks", "days": "days",
               "mean_score": "points", "gap_points": "points", "count": ""}


def format_period(period: Any) -> str:
    """DfE period codes as people write them: `202425` -> `2024/25`, `2024` -> `2024`, `2024-03` -> `Mar 2024`,
    `2024-Q4` -> `Oct to Dec 2024`; anything else is returned as text (never `None`)."""
    text = "" if period is None else str(period)
    if len(text) == 6 and text.isdigit():
        return f"{text[:4]}/{text[4:]}"
    if len(text) == 7 and text[4:6] == "-Q" and text[6] in QUARTERS:
        return f"{QUARTERS[text[6]]} {text[:4]}"
    if len(text) == 7 and text[4] == "-" and text[5:].isdigit() and 1 <= int(text[5:]) <= 12:
        return f"{MONTHS[int(text[5:]) - 1]} {text[:4]}"
    return text


def mid_sentence(text: str) -> str:
    """A label as it reads inside a sentence: each word in lower case except acronyms and initialisms, which
    keep their capitals ("SEND team" stays "SEND team", "EHC plans" stays "EHC plans", "Primary need" becomes
    "primary need")."""
    words = text.split(" ")
    kept = [sum(ch.isupper() for ch in word) >= 2 or (word == "Year" and following[:1].isdigit())  # Year 6
            for word, following in zip(words, words[1:] + [""], strict=True)]
    return " ".join(word if keep else word.lower() for word, keep in zip(words, kept, strict=True))


def as_number(value: Any) -> float | None:
    """A finite float, or None for None, a bool, text that is not a number, NaN or infinity."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def symbol_text(status: str | None) -> str:
    """A status symbol with its meaning, e.g. `c (suppressed)`; `x (not available)` for anything unknown."""
    status = str(status) if status not in (None, "", "value") else "x"
    return f"{status} ({SYMBOLS.get(status, 'not available')})"


def _fixed(number: float, places: int) -> str:
    """`number` to `places` decimals, halves rounded away from zero (as DfE publishes: 17.25 -> 17.3),
    with thousands separators; never "-0"."""
    places = max(0, int(places))
    rounded = Decimal(repr(float(number))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:,.{places}f}"


def format_number(value: Any, places: int = 0) -> str:
    number = as_number(value)
    if number is None:
        return symbol_text("x")
    return _fixed(number, places)


def format_value(value: Any, unit: str = "count", places: int = 1, status: str | None = "value") -> str:
    """A value as a reader sees it: `17.3%`, `1,234`, `12.5 per 10,000`, `28.0 weeks`.

    A status other than `value`, or a missing value, gives the symbol with its meaning (`c (suppressed)`),
    never "None" or "nan".
    """
    if status not in (None, "", "value"):
        return symbol_text(status)
    number = as_number(value)
    if number is None:
        return symbol_text("x")
    unit = str(getattr(unit, "value", unit))
    return _fixed(number, places) + _UNIT_SUFFIX.get(unit, "")


def format_change(difference: float, unit: str, places: int) -> str:
    """A difference between two values: `9.1 percentage points`, `120`, `2.0 weeks`."""
    text = _fixed(abs(difference), places)
    word = _UNIT_WORDS.get(unit, "")
    return f"{text} {word}".strip()


def subject_phrase(title: str, *, lower: bool = False) -> str:
    """An indicator title as the subject of a sentence: a trailing aside (", including exceptions",
    ", pupils with an EHC plan") is closed with a comma so the verb reads on; a list ("reading, writing and
    maths") is left alone."""
    text = title[0].lower() + title[1:] if lower and title and not title[:2].isupper() else title
    if "," not in text:
        return text
    tail = text.rsplit(",", 1)[1].split()
    return text if any(word in ("and", "or") for word in tail[:3]) else text + ","


def listed(items: list[str]) -> str:
    """Items as a sentence lists them: 'a', 'a and b', 'a, b and c'."""
    return f"{', '.join(items[:-1])} and {items[-1]}" if len(items) > 1 else "".join(items)


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_words(published: Any) -> str:
    """A published rank as the board and the pack word it: "12th of 152 (per 10,000 aged 0-25), band B";
    empty when the council is not ranked."""
    if published.rank is None or not published.rank_out_of:
        return ""
    words = f"{ordinal(published.rank)} of {published.rank_out_of}"
    if published.rank_basis:
        words += f" ({published.rank_basis})"
    if published.quartile_band:
        words += f", band {published.quartile_band}"
    return words
