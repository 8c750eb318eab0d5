"""Pure figure functions: engine output in, `plotly.graph_objects.Figure` out.

Every function here takes what the engine already returned (`Engine.show()`'s answer, its `rows`, or its
`benchmark` block: `indicators.results` models) and the indicator (`show().indicator`, the catalogue
`Indicator`, or a `Meta`), and returns a figure. Statistics (quartile cut points, control limits) come from the
engine's answer or `indicators.benchmarks`, never a copy here. No I/O, no engine calls, no randomness: the same input always gives the same figure.

Rules every figure keeps:
* it always returns a figure: no data gives an annotated empty figure (`empty_figure`), never an exception;
* one template (`dashboard.theme.TEMPLATE`) and the one palette; the area itself is highlighted by colour
  *and* by a label or outline, so colour is never the only carrier of meaning;
* suppressed or missing figures are gaps or are labelled with their symbol and its meaning (`c (suppressed)`),
  never drawn as zeros and never shown as "None" or "nan";
* values are formatted by the indicator's unit and decimal places (`format_value`); hover text is plain English.

Beside each figure, `title_*` states the finding, `summary_*` says it in one or two sentences (the chart's text
alternative) and `table_*` gives the numbers as a table of readable strings (the "view as table" alternative).

One module a chart family, each with its figure and its `title_*`, `summary_*` and `table_*`: `trend`
(over time, with sources and provisional periods), `benchmark` (against neighbours, region and England),
`ranked` (every council, quartile bands), `breakdown` (one breakdown's groups), `mix` (one breakdown's shares
over time), `wards` (hex tile map or
choropleth), `schools` (funnel plot), `regional` (councils side by side: funnel, months) and `equity` (gaps between groups). They share `rows` (metadata and the
result frame) and `layout` (template, safe text, empty figure, notes, axes); numbers and symbols are worded in
`dashboard.format`. Everything is imported from here: `from dashboard import figures`.
"""

from dashboard.figures.benchmark import benchmark_bars, summary_benchmark, table_benchmark, title_benchmark
from dashboard.figures.breakdown import (
    breakdown_bars,
    caption_breakdown,
    summary_breakdown,
    table_breakdown,
    title_breakdown,
)
from dashboard.figures.equity import equity_gap, summary_equity_gap, table_equity_gap, title_equity_gap
from dashboard.figures.layout import empty_figure, safe_text
from dashboard.figures.mix import (
    mix_over_time,
    summary_mix_over_time,
    table_mix_over_time,
    title_mix_over_time,
)
from dashboard.figures.ranked import _spread as _spread  # the band labels' spacing, tested on its own
from dashboard.figures.ranked import (
    quartile_bands,
    ranked_all_las,
    summary_ranked,
    table_ranked,
    title_ranked,
)
from dashboard.figures.regional import (
    council_funnel,
    council_months,
    summary_council_funnel,
    summary_council_months,
    table_council_funnel,
    table_council_months,
    title_council_funnel,
)
from dashboard.figures.rows import COLUMNS, TOTAL, Meta, frame, meta
from dashboard.figures.schools import (
    funnel_plot,
    summary_funnel,
    table_funnel,
    title_funnel,
)
from dashboard.figures.trend import (
    PROVISIONAL_KEY,
    SOURCE_LABELS,
    backtest_sentence,
    caption_provisional,
    source_caption,
    source_labels,
    sparkline,
    summary_trend,
    table_trend,
    title_trend,
    trend,
    value_source_text,
)
from dashboard.figures.wards import (
    hex_layout,
    short_name,
    summary_ward_map,
    text_colour_for,
    title_ward_map,
    ward_map,
)
from dashboard.format import SYMBOL_MEANINGS as SYMBOL_EXPLANATIONS
from dashboard.format import (
    SYMBOLS,
    format_change,
    format_number,
    format_period,
    format_value,
    listed,
    ordinal,
    subject_phrase,
    symbol_text,
)

__all__ = [
    "COLUMNS", "TOTAL", "SYMBOLS", "SYMBOL_EXPLANATIONS", "SOURCE_LABELS", "PROVISIONAL_KEY",
    "Meta", "meta", "frame", "format_period", "format_number", "format_value", "format_change", "symbol_text",
    "subject_phrase", "listed", "ordinal", "safe_text", "empty_figure", "trend", "sparkline", "title_trend",
    "summary_trend", "table_trend", "source_labels", "source_caption", "value_source_text",
    "caption_provisional", "backtest_sentence", "benchmark_bars", "title_benchmark", "summary_benchmark",
    "table_benchmark", "ranked_all_las", "title_ranked", "summary_ranked", "table_ranked",
    "quartile_bands", "breakdown_bars", "caption_breakdown", "title_breakdown",
    "summary_breakdown", "table_breakdown", "ward_map", "title_ward_map", "summary_ward_map", "hex_layout",
    "short_name", "text_colour_for", "funnel_plot", "title_funnel", "summary_funnel", "table_funnel",
    "equity_gap", "title_equity_gap", "summary_equity_gap", "table_equity_gap",
    "mix_over_time", "title_mix_over_time", "summary_mix_over_time", "table_mix_over_time",
    "council_funnel", "title_council_funnel", "summary_council_funnel", "table_council_funnel",
    "council_months", "summary_council_months", "table_council_months",
]
