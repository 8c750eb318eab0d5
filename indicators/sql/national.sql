-- Published DfE figures for every LA, region and England, passed through as published.
--
-- One output row per period, area and breakdown value. The bound lists say which published measures give
-- each breakdown value's numerator, denominator and value: row i of $labels takes its figures from
-- $numerators[i], $denominators[i] and $published[i] ('' = none). A label of '' keeps the published
-- breakdown label (a breakdown topic such as Sex); several rows with one label are added together (counts
-- and Yes/No answers; or a numerator made of several published measures, whose further rows name no
-- denominator). $total_row ('' = every row) keeps only the all-children row of a published
-- topic that also holds a breakdown. $combine says how the value is formed:
--   published   the published value measure, untouched
--   ratio       $scale * numerator / denominator (DfE publishes the counts but not the rate)
--   difference  numerator - denominator (a gap in points between two published figures)
--   count       the numerator
--   yes_no      % of Yes among Yes/No answers (published as text)
WITH spec AS (
    SELECT unnest($labels) AS label, unnest($numerators) AS num_m, unnest($denominators) AS den_m,
           unnest($published) AS val_m
),
facts AS (
    SELECT time_period, area_code, area_name, breakdown, measure, value, value_text, status
    FROM national_fact
    WHERE dataset = $dataset
      AND breakdown_topic = $topic
      AND ($total_row = '' OR breakdown = $total_row)  -- the all-children row of a topic that holds a breakdown
      AND (len($periods) = 0 OR list_contains($periods, time_period))
      AND ($area = '' OR area_code = $area)
),
cells AS (
    SELECT f.time_period AS period, f.area_code, any_value(f.area_name) AS area_name,
           CASE WHEN s.label = '' THEN f.breakdown ELSE s.label END AS breakdown_value,
           sum(f.value) FILTER (WHERE f.measure = s.num_m) AS num,
           count(*) FILTER (WHERE f.measure = s.num_m AND f.status <> 'value') AS num_missing,
           sum(f.value) FILTER (WHERE f.measure = s.den_m) AS den,
           max(f.value) FILTER (WHERE f.measure = s.val_m) AS pub,
           count(*) FILTER (WHERE f.measure = s.num_m AND lower(f.value_text) = 'yes') AS yes,
           count(*) FILTER (WHERE f.measure = s.num_m AND lower(f.value_text) IN ('yes', 'no')) AS answered,
           -- why a figure is missing: the symbol of the measure the value rests on
           max(f.status) FILTER (WHERE f.status <> 'value'
                                   AND f.measure IN (s.val_m, s.num_m, s.den_m)) AS symbol
    FROM facts f
    JOIN spec s ON f.measure IN (s.num_m, s.den_m, s.val_m)
    GROUP BY ALL
),
valued AS (
    SELECT *,
           CASE $combine
               WHEN 'published' THEN pub
               -- a numerator lacking one of its published parts is no numerator
               WHEN 'ratio' THEN CASE WHEN den > 0 AND num_missing = 0 THEN $scale * num / den END
               WHEN 'difference' THEN num - den
               WHEN 'count' THEN num
               WHEN 'yes_no' THEN CASE WHEN answered > 0 THEN 100.0 * yes / answered END
           END AS value
    FROM cells
)
SELECT period, area_code, area_name, $breakdown AS breakdown, breakdown_value,
       CASE WHEN $combine = 'yes_no' THEN yes WHEN $combine = 'difference' THEN NULL
            WHEN $combine = 'ratio' AND num_missing > 0 THEN NULL ELSE num END AS numerator,
       CASE WHEN $combine = 'yes_no' THEN answered WHEN $combine = 'difference' THEN NULL ELSE den END AS denominator,
       value,
       CASE WHEN value IS NOT NULL THEN 'value' ELSE coalesce(symbol, 'x') END AS status
FROM valued
ORDER BY period, area_code, breakdown_value
