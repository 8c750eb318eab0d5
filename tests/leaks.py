"""The leak oracle: what a response may not hold for someone below a council officer of the sample's council.

`Secrets.of_sample(path)` reads, once and read-only, what the sample warehouse holds that must never leave the
server for them: children's surnames (every child's name has one, and the sample's are made-up words, where a
forename alone is often an English word: Fern, Kit), UPNs, ULNs and postcodes, and named caseworkers; and
from the catalogue each indicator's unit and whether it measures the service's timeliness (whose numerators count
decisions, not children). `leaks(body, tier, secrets)` reads any answer (Dash JSON, CSV, XLSX, HTML or text) and
returns each leak it finds, in words:

* a child-level row: a child's name, UPN, ULN or postcode, or a column of person, child or request ids (the
  sample's ids are bare numbers 1, 2, 3..., so a column heading, a grid field or a JSON key is what betrays them);
* a named caseworker (their name or id), the caseworker breakdown, a case list;
* for a partner, a count of children from 1 to 5 shown as a figure; for the public, a count under 10 or one not
  rounded to 5 (QUALITY.md, "Disclosure control"). Figures DfE has published are shown as published to everyone
  and are exempt: a row marked as published (its Source, or "published by DfE" in its hover text) always; where
  nothing marks the source (a chart's table with no Source column, a sentence), a figure of 10 or more that DfE
  publishes for the council somewhere (QUALITY.md: a figure equal to a published one is shown as published).
  That excuses about half the numbers from 10 to 999 in unmarked places, so there the public rounding rule is
  weaker; small counts are never excused. Counts are found where the app puts them: the Numerator, Denominator and Value columns of the
  downloads' Data sheet and of the data book's grid, the numerator and denominator columns of the tables that
  stand beside every chart, the points of a chart whose axis is "Number", and text like "(3 children)";
* the audit log's entries, for anyone who is not an administrator.

What counts as a count follows `indicators.disclosure`: a count's value and numerator; a percentage's or rate's
numerator and denominator; an average's denominator. A timeliness measure's numerator is never a count of children
and its denominator needs 5 (partners) or 10 (the public).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indicators.disclosure import PARTNER_SMALL_MAX, PUBLIC_MIN, PUBLIC_ROUND_TO, TIMELINESS_PARTNER_MIN
from indicators.vocabulary import Audience, Unit

COUNT_NUMERATOR = {Unit.COUNT, Unit.PERCENT, Unit.RATE_PER_10000}
PUBLISHED = re.compile(r"\bpublished by DfE\b|^published$", re.I)  # never "not yet published"
INTEGER = re.compile(r"^-?\d{1,3}(,\d{3})*$|^-?\d+$")
# Column headings that only a child-level table has.
CHILD_COLUMNS = re.compile(r"\b(person|child|request)[ _-]?(id|ids|number)\b|\bupn\b|\buln\b|\bforename\b|\bsurname\b"
                           r"|\bdate of birth\b|\bpostcode\b|\bperson_id\b|\brequest_id\b", re.I)
# "(3 children)", "3 young people", never "Year 3 pupils" or "aged 3".
CHILDREN_TEXT = re.compile(r"(?<![Yy]ear )(?<![Aa]ged )(?<![Aa]ge )\b(\d[\d,]*) (children|child|young people)\b")
WORD = re.compile(r"[A-Za-z0-9]+")
POSTCODE = re.compile(r"\bZZ99 ?[0-9][A-Z]{2}\b")  # the sample's postcodes are all in the ZZ99 (no such place) area
CASEWORKER_ID = re.compile(r"\bCW\d{7}\b")
AUDIT_IDS = ("audit-results", "audit-integrity")
AUDIT_CSV_HEAD = "Time (UTC),Person id,Person"


@dataclass(frozen=True)
class Kind:
    unit: Unit
    timeliness: bool


@dataclass(frozen=True, repr=False)
class Secrets:
    surnames: frozenset[str]
    tokens: frozenset[str]  # UPNs, ULNs, postcodes: distinctive strings
    caseworkers: frozenset[str]
    published: frozenset[float]  # every figure DfE publishes for the sample's council
    kinds: dict[str, Kind]  # indicator id, title and short title -> its unit and timeliness

    @classmethod
    def of_sample(cls, warehouse: Path) -> Secrets:
        import duckdb

        from indicators.catalogue import load_catalogue

        with duckdb.connect(str(warehouse), read_only=True) as con:
            people = con.execute("select null, surname, upn, uln, postcode from person").fetchall()
            workers = {str(r[0]) for r in con.execute("select caseworker_name from caseworker").fetchall()}
            local = con.execute("select value from warehouse_info where key = 'local_la_code'").fetchone()
            published = {float(r[0]) for r in con.execute(
                "select distinct value from national_fact where area_code = ? and value is not null", [local[0]]
            ).fetchall()}
        kinds = {}
        for indicator in load_catalogue():
            kind = Kind(Unit(indicator.definition.unit), bool(indicator.definition.timeliness))
            for name in (indicator.id, indicator.title, indicator.short_title):
                kinds[name] = kind
        return cls(
            surnames=frozenset(str(p[1]) for p in people if p[1]),
            tokens=frozenset(str(v) for p in people for v in p[2:] if v),
            caseworkers=frozenset(workers), published=frozenset(published), kinds=kinds)

    def __repr__(self) -> str:
        return f"Secrets({len(self.surnames)} surnames, {len(self.caseworkers)} caseworkers)"

    def words(self) -> dict[str, str]:
        """Each name word and identifier that must not appear -> what it is (one set lookup per word of a text)."""
        if "_words" not in self.__dict__:
            words = {w: "a child's identifier" for w in self.tokens}
            words.update({w: "a child's surname" for w in self.surnames})
            words.update({name.split()[-1]: f"a named caseworker ({name})" for name in self.caseworkers})
            object.__setattr__(self, "_words", words)
        return self.__dict__["_words"]


# --- the rules ---------------------------------------------------------------------------------------------------

def small(count: float, tier: Audience, *, timeliness_denominator: bool = False) -> bool:
    """Whether `tier` may not see this count of children as a figure."""
    if count != count or count <= 0:  # NaN (hidden) or a true zero
        return False
    if tier is Audience.PARTNER:
        return count < (TIMELINESS_PARTNER_MIN if timeliness_denominator else PARTNER_SMALL_MAX + 1)
    if tier is Audience.PUBLIC:
        return count < PUBLIC_MIN or count % PUBLIC_ROUND_TO != 0
    return False


def _number(text: object) -> float | None:
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        return float(text)
    text = str(text).strip()
    return float(text.replace(",", "")) if INTEGER.match(text) else None


def unrounded_but_published(number: float, secrets: Secrets | None) -> bool:
    """A figure of 10 or more, where nothing says where it came from, that DfE publishes for the council: QUALITY.md
    shows a figure equal to a published one as published. Small counts are never excused this way."""
    return secrets is not None and number >= PUBLIC_MIN and number in secrets.published


def row_leaks(kind: Kind | None, cells: dict[str, object], tier: Audience, where: str,
              unmarked: Secrets | None = None) -> list[str]:
    """A row of figures (numerator, denominator, value) of an indicator of `kind`, not published. unmarked: the
    row does not say where it came from (the secrets, for the figures DfE publishes)."""
    if kind is None:
        return []
    found = []
    checks = []
    if kind.unit in COUNT_NUMERATOR and not kind.timeliness:
        checks.append(("numerator", False))
    if kind.unit is Unit.COUNT:
        checks.append(("value", False))
    else:
        checks.append(("denominator", kind.timeliness))
    for column, timely in checks:
        number = _number(cells.get(column))
        if (number is not None and small(number, tier, timeliness_denominator=timely)
                and not unrounded_but_published(number, unmarked)):
            found.append(f"{where}: a {tier.value} sees a {column} of {number:g} children ({cells})")
    return found


def text_leaks(text: str, secrets: Secrets, tier: Audience, *, admin: bool = False) -> list[str]:
    found = []
    words = secrets.words()
    for word in sorted(set(WORD.findall(text)) & words.keys()):
        at = text.find(word)
        found.append(f"{words[word]}: {word!r} in {text[max(0, at - 60):at + len(word) + 30]!r}")
    for match in POSTCODE.finditer(text):
        if match.group(0) in secrets.tokens:
            found.append(f"a child's postcode {match.group(0)!r}")
    for match in CASEWORKER_ID.finditer(text):
        found.append(f"a caseworker's id {match.group(0)}")
    if not admin and AUDIT_CSV_HEAD in text:
        found.append("the audit log's entries (CSV) for someone who is not an administrator")
    return found


def phrase_leaks(strings: Iterable[str], tier: Audience, secrets: Secrets) -> list[str]:
    found = []
    for text in strings:
        if PUBLISHED.search(text):
            continue
        for match in CHILDREN_TEXT.finditer(text):
            number = float(match.group(1).replace(",", ""))
            if small(number, tier) and not unrounded_but_published(number, secrets):
                found.append(f"text: a {tier.value} reads {match.group(0)!r} in {text[:200]!r}")
    return found


# --- reading answers -----------------------------------------------------------------------------------------

def leaks(body: bytes | str, tier: Audience | str, secrets: Secrets, *, admin: bool = False,
          content_type: str = "") -> list[str]:
    """Every leak in one answer for someone of `tier` (what they may see of the sample council's figures) who
    holds no officer role there; `admin` when they administer it (the audit log is theirs to read)."""
    tier = Audience(tier)
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if raw[:2] == b"PK" or "spreadsheet" in content_type:
        return xlsx_leaks(raw, tier, secrets, admin=admin)
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    found = text_leaks(text, secrets, tier, admin=admin)
    stripped = text.lstrip()
    if stripped[:1] in "{[":
        try:
            found += dash_leaks(json.loads(text), tier, secrets, admin=admin)
        except ValueError:
            pass
    elif "text/csv" in content_type or text.count(",") > 5 and "\n" in text and "<" not in text[:20]:
        found += grid_leaks(list(csv.reader(io.StringIO(text, newline=""))), tier, secrets, where="CSV")
    return found


def xlsx_leaks(raw: bytes, tier: Audience, secrets: Secrets, *, admin: bool) -> list[str]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    found = []
    for sheet in book.worksheets:
        rows = [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]
        text = "\n".join("\t".join(str(c) for c in row) for row in rows)
        found += text_leaks(text, secrets, tier, admin=admin)
        found += grid_leaks(rows, tier, secrets, where=f"XLSX sheet {sheet.title!r}")
    return found


def grid_leaks(rows: list[list[object]], tier: Audience, secrets: Secrets, where: str) -> list[str]:
    """A sheet or CSV: a child-level heading anywhere; the figures under the data book's Data headings."""
    found = []
    header: dict[str, int] | None = None
    for row in rows:
        cells = [str(c).strip() for c in row]
        if any(CHILD_COLUMNS.search(c) for c in cells if len(c) < 40):
            found.append(f"{where}: a child-level column in {cells}")
        if "Indicator ID" in cells and "Numerator" in cells:
            header = {c: i for i, c in enumerate(cells)}
            continue
        if header is None or len(row) < len(header):
            continue
        get = {name: row[i] for name, i in header.items()}
        if str(get.get("Breakdown", "")).strip().lower() == "caseworker":
            found.append(f"{where}: the caseworker breakdown (officers only): {cells}")
        if PUBLISHED.search(str(get.get("Source", ""))):
            continue
        kind = secrets.kinds.get(str(get.get("Indicator ID", "")))
        found += row_leaks(kind, {"numerator": get.get("Numerator"), "denominator": get.get("Denominator"),
                                  "value": get.get("Value")}, tier, where)
    return found


# --- Dash answers --------------------------------------------------------------------------------------------

def components(node: object) -> Iterator[dict]:
    """Every Dash component in a JSON answer, at any depth."""
    if isinstance(node, dict):
        if "props" in node and "type" in node and "namespace" in node:
            yield node
        for value in node.values():
            yield from components(value)
    elif isinstance(node, list):
        for value in node:
            yield from components(value)


def strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def text_of(node: object) -> str:
    """The visible text of a component (its children, recursively)."""
    if isinstance(node, str):
        return node
    if isinstance(node, int | float) and not isinstance(node, bool):
        return str(node)
    if isinstance(node, list):
        return "".join(text_of(n) for n in node)
    if isinstance(node, dict) and "props" in node:
        return text_of(node["props"].get("children"))
    return ""


def _keys(node: object) -> Iterator[tuple[str, object]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from _keys(value)


def dash_leaks(answer: object, tier: Audience, secrets: Secrets, *, admin: bool) -> list[str]:
    found = phrase_leaks(strings(answer), tier, secrets)
    for key, value in _keys(answer):
        if CHILD_COLUMNS.fullmatch(str(key)) and value not in (None, "", []):
            found.append(f"Dash: a child-level field {key}={str(value)[:80]}")
    for node in components(answer):
        props, kind = node["props"], node["type"]
        if not admin and props.get("id") in AUDIT_IDS:
            found.append(f"Dash: the audit log's {props['id']} for someone who is not an administrator")
        if kind == "Graph":
            found += figure_leaks(props.get("figure") or {}, tier, str(props.get("id")), secrets)
        elif kind == "Table":
            found += table_leaks(node, tier, secrets)
        elif kind == "AgGrid":
            found += ag_grid_leaks(props, tier, secrets)
    return found


def figure_leaks(figure: dict, tier: Audience, graph: str, secrets: Secrets) -> list[str]:
    """Points on a chart whose axis counts (its title is 'Number'), unless the point is DfE's published figure."""
    layout = figure.get("layout") or {}
    found = []
    for trace in figure.get("data") or []:
        horizontal = trace.get("orientation") == "h"
        axis = layout.get(f"{'x' if horizontal else 'y'}axis") or {}
        title = axis.get("title")
        title = title.get("text") if isinstance(title, dict) else title
        if not (isinstance(title, str) and title.startswith("Number")) or str(trace.get("name", "")).startswith("Forecast"):
            continue
        values = trace.get("x" if horizontal else "y")
        hover = trace.get("hovertext")
        if not isinstance(values, list):
            continue
        for i, value in enumerate(values):
            said = hover[i] if isinstance(hover, list) and i < len(hover) else hover
            number = _number(value)
            if number is None or not float(number).is_integer() or PUBLISHED.search(str(said or "")):
                continue
            if small(number, tier) and not unrounded_but_published(number, secrets):
                found.append(f"chart {graph}: a {tier.value} sees a count of {number:g} ({said!r})")
    return found


def table_leaks(table: dict, tier: Audience, secrets: Secrets) -> list[str]:
    """A table beside a chart: the indicator's title heads a column; Numerator and Denominator columns hold
    counts; a Source column says which rows DfE published."""
    rows = [r for r in components(table["props"].get("children")) if r["type"] == "Tr"]
    if not rows:
        return []
    head = [text_of(c).strip() for c in components(rows[0]["props"].get("children")) if c["type"] in ("Th", "Td")]
    found = [f"Dash table: a child-level column in {head}" for h in head if len(h) < 40 and CHILD_COLUMNS.search(h)]
    if "Caseworker" in head:
        found.append(f"Dash table: the caseworker breakdown (officers only): {head}")
    if "Numerator" not in head and "Denominator" not in head:
        return found
    kinds = [secrets.kinds[h] for h in head if h in secrets.kinds]
    kind = kinds[0] if kinds else None
    for row in rows[1:]:
        cells = [text_of(c).strip() for c in components(row["props"].get("children")) if c["type"] in ("Th", "Td")]
        if len(cells) != len(head):
            continue
        get = dict(zip(head, cells, strict=True))
        if PUBLISHED.search(get.get("Source", "")):
            continue
        found += row_leaks(kind, {"numerator": get.get("Numerator"), "denominator": get.get("Denominator"),
                                  "value": cells[1] if kind and kind.unit is Unit.COUNT else None},
                           tier, f"Dash table {head}", None if "Source" in head else secrets)
    return found


def ag_grid_leaks(props: dict, tier: Audience, secrets: Secrets) -> list[str]:
    """The data book's grid: `n`, `d`, `v` per row; the numerator column's tooltip and the value column's heading
    say which indicator and unit."""
    columns = {c.get("field"): c for c in props.get("columnDefs") or [] if isinstance(c, dict)}
    value_head = str((columns.get("v") or {}).get("headerName", ""))
    unit = next((u for u in Unit if value_head == _value_header(u)), None)
    tip = str((columns.get("n") or {}).get("headerTooltip", ""))
    kind = Kind(unit, tip in _timeliness_numerators()) if unit else None
    found = []
    for row in props.get("rowData") or []:
        if not isinstance(row, dict):
            continue
        if str(row.get("breakdown", "")).lower() == "caseworker":
            found.append(f"data book grid: the caseworker breakdown (officers only): {row}")
        if PUBLISHED.search(str(row.get("source", ""))):
            continue
        found += row_leaks(kind, {"numerator": row.get("n"), "denominator": row.get("d"), "value": row.get("v")},
                           tier, "data book grid")
    return found


def _value_header(unit: Unit) -> str:
    from dashboard.exports import VALUE_HEADERS

    return VALUE_HEADERS.get(unit.value, "Value")


_NUMERATORS: set[str] = set()


def _timeliness_numerators() -> set[str]:
    if not _NUMERATORS:
        from indicators.catalogue import load_catalogue

        _NUMERATORS.update(i.definition.numerator or "" for i in load_catalogue() if i.definition.timeliness)
        _NUMERATORS.discard("")
    return _NUMERATORS
