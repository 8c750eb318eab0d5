"""What is going well and what needs attention: sentences generated from the engine's benchmarks.

`narrative(benchmarks, indicators, area_name)` reads each indicator's benchmark block (`Engine.benchmark` or
`show()["benchmark"]`) and its catalogue metadata, and returns two lists of `Sentence`s. Every sentence states
figures taken from the benchmark block and links to the indicator's report page, where the evidence is.

The rules
---------
An indicator gets **no sentence** when:
* its polarity is `no_judgement` (a count of plans, a population: more is neither good nor bad), or
* its latest figure is missing, or is not a value (suppressed `c`, not available `x`, `z`, `low`, `u`).

Otherwise the signals are, all from the benchmark block:
* **target**: the RAG rating against the area's target (`target.rag`);
* **direction**: the direction of travel from the previous period (`direction_of_travel`, which already
  tests significance: "improving", "worsening", "no significant change", "not assessed");
* **neighbours** and **England**: the RAG against the statistical neighbours' average and England
  (`rag_against_neighbours`, `rag_against_england`), which compare the published figure;
* **band**: the polarity-aware quartile band among all councils (`published.quartile_band`, A best).

It **needs attention** if any of: red against target; band D; worsening; worse than both statistical
neighbours and England (for a count, worse than the neighbours: England's total is no yardstick for one LA). The reason that puts it there first decides its place, in this order:
red against target (1), band D (2), worsening (3), worse than neighbours and England (4).

It is **going well** if it needs no attention and any of: green against target; band A; improving and
not worse than its statistical neighbours; better than both statistical neighbours and England. Order:
green against target (1), band A (2), improving (3), better than neighbours and England (4).

An indicator appears in at most one list. Within a list, sentences are ordered by that priority, then by the
order of `indicators` (the catalogue's theme order), so the same inputs always give the same narrative.
Amber against target and "no significant change" alone put an indicator in neither list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from dashboard.figures import Meta, format_change, format_period, format_value, meta, ordinal, subject_phrase

GOING_WELL = "going_well"
NEEDS_ATTENTION = "needs_attention"


@dataclass(frozen=True)
class Sentence:
    """One generated sentence, the indicator it is about and the link to its evidence."""

    text: str
    href: str
    indicator_id: str
    title: str
    kind: str  # GOING_WELL or NEEDS_ATTENTION
    priority: int  # 1 first
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return self.text


def evidence_href(indicator_id: str, area_code: str | None) -> str:
    """The indicator's report page for the area: `/indicator/<id>?area=<code>`."""
    path = f"/indicator/{quote(str(indicator_id), safe='')}"
    return f"{path}?{urlencode({'area': area_code})}" if area_code else path


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number or number in (float("inf"), float("-inf")) else number


def _signals(bench: Mapping[str, Any], m: Meta) -> dict[str, Any]:
    target = bench.get("target") or {}
    pub = bench.get("published") or {}
    return {
        "target_rag": target.get("rag") if _num(target.get("target")) is not None else None,
        "target": _num(target.get("target")),
        "direction": bench.get("direction_of_travel"),
        "neighbours": bench.get("rag_against_neighbours"),
        "england": bench.get("rag_against_england"),
        "band": pub.get("quartile_band") if m.judged else None,
    }


def classify(bench: Mapping[str, Any], indicator: Any) -> tuple[str | None, int, tuple[str, ...]]:
    """(kind, priority, reasons) for one indicator by the module's rules; kind None means no sentence."""
    m = meta(indicator)
    if not m.judged or bench.get("status") not in (None, "value") or _num(bench.get("value")) is None:
        return None, 0, ()
    if bench.get("provisional"):  # statutory clocks still running: the figure will change, so no sentence
        return None, 0, ()
    s = _signals(bench, m)
    attention = []
    if s["target_rag"] == "red":
        attention.append((1, "red against target"))
    if s["band"] == "D":
        attention.append((2, "quartile band D"))
    if s["direction"] == "worsening":
        attention.append((3, "worsening"))
    if s["neighbours"] == "red" and (s["england"] == "red" or m.unit == "count"):
        attention.append((4, "worse than statistical neighbours and England"))
    if attention:
        return NEEDS_ATTENTION, attention[0][0], tuple(r for _, r in attention)
    well = []
    if s["target_rag"] == "green":
        well.append((1, "green against target"))
    if s["band"] == "A":
        well.append((2, "quartile band A"))
    if s["direction"] == "improving" and s["neighbours"] != "red":
        well.append((3, "improving"))
    if s["neighbours"] == "green" and (s["england"] == "green" or m.unit == "count"):
        well.append((4, "better than statistical neighbours and England"))
    if well:
        return GOING_WELL, well[0][0], tuple(r for _, r in well)
    return None, 0, ()


def _subject(m: Meta) -> str:
    return subject_phrase(m.title)


def _movement(bench: Mapping[str, Any], m: Meta) -> str:
    value, period = _num(bench.get("value")), bench.get("period")
    before, before_period = _num(bench.get("previous_value")), bench.get("previous_period")
    now = format_value(value, m.unit, m.places)
    when = f" in {format_period(period)}" if period else ""
    direction = bench.get("direction_of_travel")
    if before is None or direction in (None, "not assessed") or before_period is None:
        return f"was {now}{when}"
    then = format_value(before, m.unit, m.places)
    if direction == "no significant change" or before == value:
        return f"was {now}{when}, little changed from {then} in {format_period(before_period)}"
    verb = "rose" if value > before else "fell"
    return f"{verb} from {then} in {format_period(before_period)} to {now}{when}"


def _target_clause(bench: Mapping[str, Any], m: Meta) -> str | None:
    target = bench.get("target") or {}
    goal, value, rag = _num(target.get("target")), _num(bench.get("value")), target.get("rag")
    if goal is None or value is None or rag is None:
        return None
    goal_text = format_value(goal, m.unit, m.places)
    if rag == "green":
        return f"meeting the target of {goal_text}"
    short = format_change(goal - value, m.unit, m.places)
    if rag == "amber":
        return f"just short of the target of {goal_text} (by {short})"
    return f"short of the target of {goal_text} by {short}"


def _relation(value: float, other: float) -> str:
    return "above" if value > other else "below" if value < other else "level with"


def _comparison_sentence(bench: Mapping[str, Any], m: Meta, area_name: str) -> str | None:
    """How the published figure compares: neighbours' average, England (not for counts), rank and band."""
    pub = bench.get("published") or {}
    la = _num(pub.get("la_value"))
    if la is None:
        return None
    parts = []
    if _num(pub.get("sn_mean")) is not None:
        parts.append(f"{_relation(la, pub['sn_mean'])} the statistical neighbour average of "
                     f"{format_value(pub['sn_mean'], m.unit, m.places)}")
    if _num(pub.get("england_value")) is not None and m.unit != "count":  # England's total is no yardstick for a count
        parts.append(f"{_relation(la, pub['england_value'])} England's {format_value(pub['england_value'], m.unit, m.places)}")
    band = pub.get("quartile_band")
    position = None
    if band and pub.get("rank") is not None and pub.get("rank_out_of"):
        position = f"band {band}, {ordinal(int(pub['rank']))} of {int(pub['rank_out_of'])}"
    if not parts and position is None:
        return None
    same_period = str(pub.get("period")) == str(bench.get("period")) and la == _num(bench.get("value"))
    figure = format_value(la, m.unit, m.places)
    if same_period:
        subject = "That"
    else:
        when = format_period(pub["period"]) if pub.get("period") else "the latest published year"
        subject = f"In {when}, the latest published figures, {area_name}'s {figure}"
    text = f"{subject} {'is' if same_period else 'was'} {' and '.join(parts)}" if parts else ""
    if position and band in ("A", "D"):
        where = "best" if band == "A" else "worst"
        if text:
            text += f", in the {where} quarter of councils ({position})"
        else:
            text = f"{subject} {'is' if same_period else 'was'} in the {where} quarter of councils ({position})"
    elif position:
        text = text + f" (quartile {position})" if text else f"{subject} {'is' if same_period else 'was'} in quartile {position}"
    return text + "."


def sentence_for(bench: Mapping[str, Any], indicator: Any, area_name: str, *, area_code: str | None = None
                 ) -> Sentence | None:
    """The one sentence (or two) for an indicator, or None when the rules give it none."""
    m = meta(indicator)
    kind, priority, reasons = classify(bench, indicator)
    if kind is None:
        return None
    text = f"{_subject(m)} {_movement(bench, m)}"
    target = _target_clause(bench, m)
    if target:
        improved = ("rose" in text and m.high_is_good) or ("fell" in text and m.low_is_good)
        if kind == NEEDS_ATTENTION and improved:
            text += ", but is " + target
        elif kind == NEEDS_ATTENTION and target.startswith("meeting"):
            text += ", still " + target
        else:
            text += ", " + target
    text += "."
    comparison = _comparison_sentence(bench, m, area_name)
    if comparison:
        text += " " + comparison
    code = area_code or bench.get("area_code")
    return Sentence(text=text, href=evidence_href(m.id, code), indicator_id=m.id, title=m.title, kind=kind,
                    priority=priority, reasons=reasons)


def narrative(benchmarks: Mapping[str, Mapping[str, Any]], indicators: Mapping[str, Any], area_name: str, *,
              area_code: str | None = None, limit: int | None = None) -> dict[str, list[Sentence]]:
    """{"going_well": [Sentence], "needs_attention": [Sentence]} from each indicator's benchmark block.

    benchmarks: {indicator_id: benchmark block}; indicators: {indicator_id: metadata (show()["indicator"]) or
    catalogue Indicator}, in the order ties should be broken (the catalogue's). An indicator missing from
    either is skipped. limit: at most this many sentences in each list (most important first).
    """
    order = {indicator_id: i for i, indicator_id in enumerate(indicators)}
    found: dict[str, list[Sentence]] = {GOING_WELL: [], NEEDS_ATTENTION: []}
    for indicator_id, bench in benchmarks.items():
        if indicator_id not in indicators or not bench:
            continue
        sentence = sentence_for(bench, indicators[indicator_id], area_name, area_code=area_code)
        if sentence is not None:
            found[sentence.kind].append(sentence)
    for kind, sentences in found.items():
        sentences.sort(key=lambda s: (s.priority, order.get(s.indicator_id, len(order)), s.indicator_id))
        if limit is not None:
            found[kind] = sentences[:limit]
    return found
