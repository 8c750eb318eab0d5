-- Mediation and SEND Tribunal cases, by the date registered.
-- $measure:
--   tribunal                  tribunal appeals registered, a count
--   mediation                 mediation cases registered, a count
--   tribunal_per_population   tribunal appeals per 10,000 residents aged 0-25: appeals in calendar year Y
--                             over the area's mid-year Y estimate (aggregate measure population_0_25)
-- detail: the type of appeal.
SELECT d.registered_date AS event_date, 1 AS numerator,
       CASE WHEN $measure = 'tribunal_per_population' THEN 0 END AS denominator,
       p.birth_date, d.registered_date AS age_on, n.need_code, p.sex, p.ethnicity, p.ward, p.school,
       NULL::VARCHAR AS setting, NULL::VARCHAR AS phase, o.team, o.caseworker,
       CASE d.appeal_type
           WHEN 'refusal_to_assess' THEN 'Refusal to assess'
           WHEN 'refusal_to_issue' THEN 'Refusal to issue a plan'
           WHEN 'plan_contents' THEN 'Contents of the plan'
           WHEN 'cease' THEN 'Decision to cease the plan'
           WHEN 'other' THEN 'Other'
           ELSE 'Not recorded'
       END AS detail
FROM dispute d
JOIN people p ON p.person_id = d.person_id
LEFT JOIN owners o ON o.request_id = d.request_id
LEFT JOIN needs n ON n.request_id = d.request_id
WHERE d.case_type = CASE WHEN $measure = 'mediation' THEN 'mediation' ELSE 'tribunal' END
UNION ALL
SELECT make_date(CAST(g.period AS INT), 7, 1), 0, coalesce(g.value, g.numerator),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM aggregate_measure g
WHERE $measure = 'tribunal_per_population' AND g.measure_code = 'population_0_25'
  AND coalesce(nullif(trim(g.breakdown), ''), 'Total') = 'Total' AND regexp_matches(g.period, '^\d{4}$')
