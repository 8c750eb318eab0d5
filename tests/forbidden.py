"""The words that must never reach a reader, in one place for every test that reads a page, a chart or a file.

Python's and pandas' missing values, JavaScript's missing values, a traceback, Dash's own failure message, a
stub left in the code, and filler text. Case matters: "none of the children" is English, "None" is Python.
"""

from __future__ import annotations

import re

FORBIDDEN = re.compile(
    r"\b(None|nan|NaN|NaT|null|undefined|Traceback|TODO)\b"
    r"|Error loading|\[object Object\]|(?i:lorem ipsum)"
)


def forbidden(text: str, context: int = 40) -> list[str]:
    """Each forbidden word in `text`, with a little of the text either side so a failure says where it is."""
    return [text[max(0, m.start() - context):m.end() + context].replace("\n", " ") for m in FORBIDDEN.finditer(text)]
