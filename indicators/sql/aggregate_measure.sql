-- A partner's measure from the aggregate template (`aggregate_measure`), as supplied.
--
-- Periods are put in DfE's form: academic and financial years `2023/24` or `2023-24` become `202324`;
-- calendar years, months (`2024-03`) and quarters (`2024-Q1`) stay as they are. A blank value is worked out
-- from the numerator and denominator by the indicator's unit ($unit). Rows without a breakdown are the
-- all-children (Total) rows; with $breakdown other than 'Total' the breakdown's rows come too.
-- Where a period has breakdown rows but no Total row, the Total is derived from the first breakdown's rows:
-- counts and rates per 10,000 are added up, percentages recomputed from the summed numerators and
-- denominators (or, without them, averaged), means and weeks averaged.
WITH rows AS (
    SELECT a.*,
           CASE
               WHEN a.period_type IN ('academic_year', 'financial_year')
                    AND regexp_matches(a.period, '^\d{4}\s*[/-]\s*\d{2,4}$')
                   THEN substr(a.period, 1, 4) || right(regexp_replace(a.period, '\D', '', 'g'), 2)
               ELSE a.period
           END AS tidy_period,
           CASE WHEN coalesce(nullif(trim(a.breakdown), ''), 'Total') IN ('Total', 'total') THEN 'Total'
                ELSE trim(a.breakdown) END AS tidy_breakdown
    FROM aggregate_measure a
    WHERE a.measure_code = $measure_code
      AND ($area = '' OR a.area_code = $area)
),
supplied AS (
    SELECT r.tidy_period AS period, r.area_code,
           r.tidy_breakdown AS breakdown,
           CASE WHEN r.tidy_breakdown = 'Total' THEN 'Total'
                ELSE coalesce(nullif(trim(r.breakdown_value), ''), 'Unknown') END AS breakdown_value,
           sum(r.numerator) AS numerator,
           sum(r.denominator) AS denominator,
           coalesce(
               CASE WHEN count(r.value) = 1 THEN any_value(r.value) END,
               CASE $unit
                   WHEN 'count' THEN sum(r.numerator)
                   WHEN 'percent' THEN CASE WHEN sum(r.denominator) > 0 THEN 100.0 * sum(r.numerator) / sum(r.denominator) END
                   WHEN 'rate_per_10000' THEN CASE WHEN sum(r.denominator) > 0 THEN 10000.0 * sum(r.numerator) / sum(r.denominator) END
                   ELSE CASE WHEN sum(r.denominator) > 0 THEN sum(r.numerator) / sum(r.denominator) END
               END) AS value
    FROM rows r
    GROUP BY ALL
),
derived AS (
    SELECT s.period, s.area_code, 'Total' AS breakdown, 'Total' AS breakdown_value,
           sum(s.numerator) AS numerator, sum(s.denominator) AS denominator,
           CASE $unit
               WHEN 'count' THEN sum(s.value)
               WHEN 'rate_per_10000' THEN sum(s.value)
               WHEN 'percent' THEN CASE WHEN count(s.numerator) = count(*) AND sum(s.denominator) > 0
                                        THEN 100.0 * sum(s.numerator) / sum(s.denominator) ELSE avg(s.value) END
               ELSE avg(s.value)
           END AS value
    FROM supplied s
    WHERE s.breakdown = (SELECT min(breakdown) FROM supplied WHERE breakdown <> 'Total')
      AND NOT EXISTS (SELECT 1 FROM supplied t
                      WHERE t.breakdown = 'Total' AND t.period = s.period AND t.area_code = s.area_code)
    GROUP BY s.period, s.area_code
),
every AS (
    SELECT * FROM supplied
    UNION ALL
    SELECT * FROM derived
)
SELECT e.period, e.area_code, coalesce(l.la_name, e.area_code) AS area_name, e.breakdown, e.breakdown_value,
       e.numerator, e.denominator, e.value,
       CASE WHEN e.value IS NULL THEN 'x' ELSE 'value' END AS status
FROM every e
LEFT JOIN dim_la l ON l.new_la_code = e.area_code
WHERE ($period = '' OR e.period = $period)
  AND (e.breakdown = 'Total' OR e.breakdown = $breakdown)
ORDER BY e.period, e.breakdown, e.breakdown_value
