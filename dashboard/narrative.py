"""What is going well and what needs attention: sentences generated from the engine's benchmarks.

`narrative(benchmarks, indicators, area_name)` reads each indicator's benchmark block (`Engine.benchmark` or
`show().benchmark`, an `indicators.results.Benchmark`) and its catalogue entry, and returns two lists of `Sentence`s. Every sentence states
figures taken from the benchmark block and links to the indicator's report page, where the evidence is.
`questions(...)` gives the two or three questions a board could ask of the same figures.

The rule
--------
The lists are the tiles' ratings, nothing else: `indicators.benchmarks.rating` gives every measure one rating
(against its target where it is rated against one, else its statistical neighbours' average, else England,
each comparison allowing for the catalogue's band of similarity and the figure's confidence interval), and the
tile, this narrative and the board pack all read it. A measure rated **red needs attention**; one rated
**green is going well**; amber (close to target, or similar to the comparator) and unrated measures are in
neither list. So the narrative can never say "no measure needs attention" beside a red tile.

Within a list, sentences are ordered by what the rating is against (target, then neighbours, then England),
then by the order of `indicators` (the catalogue's theme order), so the same inputs always give the same
narrative. The direction of travel is told in the sentence and kept as a reason, but does not move a measure
between lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from dashboard.figures import Meta, format_change, format_period, format_value, meta, ordinal, subject_phrase
from indicators.benchmarks import RATING_ORDER, rating
from indicators.catalogue import Indicator
from indicators.results import Benchmark, Published

GOING_WELL = "going_well"
NEEDS_ATTENTION = "needs_attention"
KINDS = {"red": NEEDS_ATTENTION, "green": GOING_WELL}
AGAINST = {"target": "its target", "neighbours": "statistical neighbours", "england": "England"}
QUESTION_LIMIT = 3


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


@dataclass(frozen=True)
class Question:
    """A question the board could ask, about one measure, with the link to its evidence."""

    text: str
    href: str
    indicator_id: str
    title: str


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


def classify(bench: Benchmark, indicator: Any) -> tuple[str | None, int, tuple[str, ...]]:
    """(kind, priority, reasons) for one indicator: its rating decides the list; kind None means no sentence."""
    rag, against = rating(bench)
    kind = KINDS.get(rag or "")
    if kind is None:
        return None, 0, ()
    if bench.provisional:  # statutory clocks still running: the figure will change, so no sentence
        return None, 0, ()
    reasons = [f"{rag} against {AGAINST[against]}"]
    direction = bench.direction_of_travel
    if direction in ("improving", "worsening"):
        reasons.append(direction)
    return kind, RATING_ORDER.index(against) + 1, tuple(reasons)


def _subject(m: Meta) -> str:
    return subject_phrase(m.title)


def _movement(bench: Benchmark, m: Meta) -> str:
    value, period = _num(bench.value), bench.period
    before, before_period = _num(bench.previous_value), bench.previous_period
    now = format_value(value, m.unit, m.places)
    when = f" in {format_period(period)}" if period else ""
    direction = bench.direction_of_travel
    if before is None or direction in (None, "not assessed") or before_period is None:
        return f"was {now}{when}"
    then = format_value(before, m.unit, m.places)
    if direction == "no significant change" or before == value:
        return f"was {now}{when}, little changed from {then} in {format_period(before_period)}"
    verb = "rose" if value > before else "fell"
    return f"{verb} from {then} in {format_period(before_period)} to {now}{when}"


def _target_clause(bench: Benchmark, m: Meta) -> str | None:
    target = bench.target
    if target is None:
        return None
    goal, value, rag = _num(target.target), _num(bench.value), target.rag
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


def _comparison_sentence(bench: Benchmark, m: Meta, area_name: str) -> str | None:
    """How the published figure compares: neighbours' average, England (not for counts), rank and band."""
    pub = bench.published or Published()
    la = _num(pub.la_value)
    if la is None:
        return None
    parts = []
    if _num(pub.sn_mean) is not None:
        parts.append(f"{_relation(la, pub.sn_mean)} the statistical neighbour average of "
                     f"{format_value(pub.sn_mean, m.unit, m.places)}")
    if _num(pub.england_value) is not None and m.unit != "count":  # England's total is no yardstick for a count
        parts.append(f"{_relation(la, pub.england_value)} England's {format_value(pub.england_value, m.unit, m.places)}")
    band = pub.quartile_band
    position = None
    if band and pub.rank is not None and pub.rank_out_of:
        position = f"band {band}, {ordinal(pub.rank)} of {pub.rank_out_of}"
    if not parts and position is None:
        return None
    same_period = str(pub.period) == str(bench.period) and la == _num(bench.value)
    figure = format_value(la, m.unit, m.places)
    if same_period:
        subject = "That"
    else:
        when = format_period(pub.period) if pub.period else "the latest published year"
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


def _comparator(bench: Benchmark, against: str) -> tuple[str, float | None]:
    pub = bench.published or Published()
    if against == "neighbours":
        return "the statistical neighbour average", _num(pub.sn_mean)
    return "England", _num(pub.england_value)


def _rating_clause(bench: Benchmark, m: Meta) -> str | None:
    """The rating in words when it is against a comparator (a target rating is told by the target clause),
    with the difference and the band within which the figure would have read as similar."""
    rag, against = rating(bench)
    if rag not in ("green", "red") or against not in ("neighbours", "england"):
        return None
    _, comparator = _comparator(bench, against)
    value = _num(bench.value)
    if comparator is None or value is None:
        return None
    text = (f"Rated {rag} against {AGAINST[against]}: "
            f"{format_change(value - comparator, m.unit, m.places)} {'better' if rag == 'green' else 'worse'}")
    band = _num(bench.similar_within)
    if band:
        text += f", more than the {format_change(band, m.unit, m.places)} counted as similar"
    return text + "."


def _question(bench: Benchmark, m: Meta) -> str | None:
    """One question for the board about a rated measure, in the terms of its rating and with its figures."""
    rag, against = rating(bench)
    subject = subject_phrase(m.title, lower=True)  # an aside keeps its closing comma mid-sentence
    value = _num(bench.value)
    ours = format_value(value, m.unit, m.places) if value is not None else None
    target = _num(bench.target.target) if bench.target is not None else None
    if against == "target" and target is not None and rag in ("red", "amber"):
        goal = format_value(target, m.unit, m.places)
        return f"What would it take for {subject} to reach the target of {goal} (now {ours}), and by when?"
    whom, comparator = _comparator(bench, against)
    theirs = format_value(comparator, m.unit, m.places) if comparator is not None else None
    figures = f" ({ours} against {theirs})" if ours and theirs else ""
    if rag == "red":
        return (f"What do {'our statistical neighbours' if against == 'neighbours' else 'councils across England'} "
                f"do differently on {subject.rstrip(',')}{figures}, and what could we adopt?")
    if rag == "amber":
        return (f"{subject[0].upper()}{subject[1:]} is similar to {whom}{figures}: is that where the partnership "
                "wants it to be?")
    if rag == "green":
        return f"What has made the difference to {subject.rstrip(',')}, and how do we keep it there?"
    return None


def questions(benchmarks: Mapping[str, Benchmark | None], indicators: Mapping[str, Indicator | Meta], *,
              area_code: str | None = None, limit: int = QUESTION_LIMIT) -> list[Question]:
    """Two or three questions the board could ask, each about one rated measure and linked to its evidence:
    the most pressing red measure first, then one similar (amber) and one going well (green) so the board
    looks at more than one kind of evidence, then further red ones; ties in the catalogue's order."""
    order = {indicator_id: i for i, indicator_id in enumerate(indicators)}
    found: dict[str, list[tuple[tuple, Question]]] = {"red": [], "amber": [], "green": []}
    for indicator_id, bench in benchmarks.items():
        if indicator_id not in indicators or not bench:
            continue
        rag, against = rating(bench)
        m = meta(indicators[indicator_id])
        text = _question(bench, m) if rag in found else None
        if text:
            key = (RATING_ORDER.index(against), order.get(indicator_id, len(order)), indicator_id)
            found[rag].append((key, Question(text, evidence_href(m.id or indicator_id,
                                                                 area_code or bench.area_code),
                                             m.id or indicator_id, m.title)))
    ranked = {rag: [q for _, q in sorted(items, key=lambda pair: pair[0])] for rag, items in found.items()}
    first = [items[0] for items in (ranked["red"], ranked["amber"], ranked["green"]) if items]
    rest = ranked["red"][1:] + ranked["amber"][1:] + ranked["green"][1:]
    return (first + rest)[:limit]


def sentence_for(bench: Benchmark, indicator: Any, area_name: str, *, area_code: str | None = None
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
    rated = _rating_clause(bench, m)
    if rated:
        text += " " + rated
    code = area_code or bench.area_code
    return Sentence(text=text, href=evidence_href(m.id, code), indicator_id=m.id, title=m.title, kind=kind,
                    priority=priority, reasons=reasons)


def narrative(benchmarks: Mapping[str, Benchmark | None], indicators: Mapping[str, Indicator | Meta], area_name: str, *,
              area_code: str | None = None, limit: int | None = None) -> dict[str, list[Sentence]]:
    """{"going_well": [Sentence], "needs_attention": [Sentence]} from each indicator's benchmark block.

    benchmarks: {indicator_id: benchmark block}; indicators: {indicator_id: catalogue Indicator (show().indicator)
    or figures `Meta`}, in the order ties should be broken (the catalogue's). An indicator missing from
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
