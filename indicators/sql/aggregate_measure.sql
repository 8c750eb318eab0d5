-- A partner's measure from the aggregate template (`aggregate_measure`), as supplied.
--
-- Periods are put in DfE's form: academic and financial years `2023/24` or `2023-24` become `202324`;
-- calendar years, months (`2024-03`) and quarters (`2024-Q1`) stay as they are. A blank value is worked out
-- from the numerator and denominator by the indicator's unit ($unit). Rows without a breakdown are the
-- all-children (Total) rows; with $breakdown other than 'Total' the breakdown's rows come too.
WITH rows AS (
    SELECT a.*,
           CASE
               WHEN a.period_type IN ('academic_year', 'financial_year')
                    AND regexp_matches(a.period, '^\d{4}\s*[/-]\s*\d{2,4}$')
                   THEN substr(a.period, 1, 4) || right(regexp_replace(a.period, '\D', '', 'g'), 2)
               ELSE a.period
           END AS tidy_period,
           coalesce(nullif(trim(a.breakdown), ''), 'Total') AS tidy_breakdown
    FROM aggregate_measure a
    WHERE a.measure_code = $measure_code
      AND ($area = '' OR a.area_code = $area)
)
SELECT r.tidy_period AS period,
       r.area_code,
       coalesce(any_value(l.la_name), r.area_code) AS area_name,
       CASE WHEN r.tidy_breakdown IN ('Total', 'total') THEN 'Total' ELSE r.tidy_breakdown END AS breakdown,
       CASE WHEN r.tidy_breakdown IN ('Total', 'total') THEN 'Total'
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
           END) AS value,
       CASE WHEN coalesce(CASE WHEN count(r.value) = 1 THEN any_value(r.value) END, sum(r.numerator)) IS NULL
            THEN 'x' ELSE 'value' END AS status
FROM rows r
LEFT JOIN dim_la l ON l.new_la_code = r.area_code
WHERE ($period = '' OR r.tidy_period = $period)
  AND (r.tidy_breakdown IN ('Total', 'total') OR r.tidy_breakdown = $breakdown)
GROUP BY r.tidy_period, r.area_code, r.tidy_breakdown, r.breakdown_value
ORDER BY period, breakdown, breakdown_value
