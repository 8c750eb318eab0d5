-- Mediation and SEND Tribunal cases, by the date registered.
-- $measure:
--   tribunal                  tribunal appeals registered, a count
--   mediation                 mediation cases registered, a count
--   tribunal_per_population   tribunal appeals per 10,000 residents aged 0-25: appeals in calendar year Y
--                             over the area's mid-year Y estimate (aggregate measure population_0_25)
-- Its own breakdown: appeal_type.
SELECT d.registered_date AS event_date, d.person_id, d.request_id, d.registered_date AS age_on,
       1 AS numerator, CASE WHEN $measure = 'tribunal_per_population' THEN 0 END AS denominator,
       CASE d.appeal_type
           WHEN 'refusal_to_assess' THEN 'Refusal to assess'
           WHEN 'refusal_to_issue' THEN 'Refusal to issue a plan'
           WHEN 'plan_contents' THEN 'Contents of the plan'
           WHEN 'cease' THEN 'Decision to cease the plan'
           WHEN 'other' THEN 'Other'
           ELSE 'Not recorded'
       END AS appeal_type
FROM dispute d
WHERE d.case_type = CASE $measure
                        WHEN 'tribunal' THEN 'tribunal'
                        WHEN 'tribunal_per_population' THEN 'tribunal'
                        WHEN 'mediation' THEN 'mediation'
                    END
UNION ALL BY NAME
SELECT make_date(CAST(g.period AS INT), 7, 1) AS event_date, 0 AS numerator, coalesce(g.value, g.numerator) AS denominator
FROM aggregate_measure g
WHERE $measure = 'tribunal_per_population' AND g.measure_code = 'population_0_25'
  AND coalesce(nullif(trim(g.breakdown), ''), 'Total') = 'Total' AND regexp_matches(g.period, '^\d{4}$')
