"""SEN2 person-level XML -> the same raw module frames a COLLECT CSV export gives.

Element names are matched case-insensitively (`SENsetting`/`SENSetting`), surrogate keys are generated the way
COLLECT does (`persontableid`, `requeststableid`, ...), and each row keeps the XML line it came from.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd
from lxml import etree

from data.errors import SourceError

# module -> (its table id column, its parent's id column)
MODULES = {
    "person": ("persontableid", None),
    "requests": ("requeststableid", "persontableid"),
    "assessment": ("assessmenttableid", "requeststableid"),
    "namedplan": ("namedplantableid", "assessmenttableid"),
    "plandetail": ("plandetailtableid", "namedplantableid"),
    "activeplans": ("activeplanstableid", "requeststableid"),
    "placementdetail": ("placementdetailtableid", "activeplanstableid"),
    "senneed": ("senneedtableid", "activeplanstableid"),
}
CHILDREN = {
    "person": ("requests", "activeplans"),
    "requests": ("assessment", "activeplans"),
    "assessment": ("namedplan",),
    "namedplan": ("plandetail",),
    "activeplans": ("placementdetail", "senneed"),
}
HEADER_FIELDS = ("collection", "year", "referencedate", "sourcelevel", "lea", "softwarecode", "release",
                 "serialno", "datetime", "dmo", "dco", "dsco")


def _tag(element) -> str:
    return etree.QName(element).localname.lower() if isinstance(element.tag, str) else ""


def is_sen2_xml(path: Path) -> bool:
    if path.suffix.lower() != ".xml":
        return False
    with path.open("rb") as handle:
        head = handle.read(2048).lower()
    return b"<message" in head or b"<persons" in head


def read_sen2_xml(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Return raw module frames (all values text) and the message header."""
    rows: dict[str, list[dict]] = defaultdict(list)
    counters: dict[str, int] = defaultdict(int)
    header: dict[str, str] = {}

    def walk(element, module: str, parent_id: str | None, parent_key: str | None) -> str:
        counters[module] += 1
        own_key, _ = MODULES[module]
        record = {own_key: str(counters[module]), "_row": element.sourceline}
        if parent_key:
            record[parent_key] = parent_id
        for child in element:
            name = _tag(child)
            if name in MODULES and name in CHILDREN.get(module, ()):
                continue
            if len(child) == 0 and name:
                record[name] = (child.text or "").strip() or None
        rows[module].append(record)
        last_request = None
        for child in element:
            name = _tag(child)
            if name not in CHILDREN.get(module, ()):
                continue
            if module == "person" and name == "activeplans":
                # Some exports put ActivePlans beside Requests: attach it to the person's latest request.
                # With no request before it, it loads with a blank request id and is quarantined (REQUIRED).
                walk(child, name, last_request, "requeststableid")
            else:
                child_id = walk(child, name, record[own_key], own_key)
                if name == "requests":
                    last_request = child_id
        return record[own_key]

    try:
        context = etree.iterparse(str(path), events=("end",), huge_tree=True, recover=False)
        namespaces = set()
        for _, element in context:
            name = _tag(element)
            if name:
                namespaces.add(etree.QName(element).namespace)
            if name == "person":
                walk(element, "person", None, None)
                element.clear(keep_tail=True)
            elif name in ("collectiondetails", "source"):
                for child in element:
                    if _tag(child) in HEADER_FIELDS:
                        header[_tag(child)] = (child.text or "").strip()
    except etree.XMLSyntaxError as exc:
        raise SourceError(path, f"is not well-formed XML ({exc.msg}, line {exc.lineno})",
                          "export the SEN2 XML again from the case-management system; do not edit it by hand") from exc
    if namespaces - {None}:  # DfE's SEN2 schema has no namespace: another one hints at another kind of file
        header["namespace"] = ", ".join(sorted(namespaces - {None}))
    if not rows["person"]:
        raise SourceError(path, "holds no <Person> records", "check this is the SEN2 person-level return, not its header only")
    frames = {}
    for module, records in rows.items():
        frame = pd.DataFrame.from_records(records)
        text_cols = [c for c in frame.columns if c != "_row"]
        frame[text_cols] = frame[text_cols].astype("string")
        frames[module] = frame
    return frames, header
