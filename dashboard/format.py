"""How periods and labels read on a page: one place, so every view says the same thing the same way."""

from __future__ import annotations

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
QUARTERS = {"1": "Jan to Mar", "2": "Apr to Jun", "3": "Jul to Sep", "4": "Oct to Dec"}


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
