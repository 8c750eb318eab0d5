-- Requests for an EHC needs assessment, by the date received (the day the 20-week clock starts).
-- $measure:
--   received      requests received, a count
--   agreed        % of requests received where the decision was to assess (RequestOutcome Y)
--   decided_6wk   % of decisions to assess or not (RequestOutcome Y or N) made within 6 weeks (42 days)
-- detail: who made the request (RequestSource).
SELECT r.received_date AS event_date,
       CASE $measure
           WHEN 'received' THEN 1
           WHEN 'agreed' THEN (r.outcome = 'Y')::INT
           WHEN 'decided_6wk' THEN (date_diff('day', r.received_date, r.outcome_date) <= 42)::INT
       END AS numerator,
       CASE WHEN $measure = 'received' THEN NULL ELSE 1 END AS denominator,
       p.birth_date, r.received_date AS age_on, n.need_code, p.sex, p.ethnicity, p.ward, p.school,
       NULL::VARCHAR AS setting, NULL::VARCHAR AS phase, o.team, o.caseworker,
       CASE r.request_source
           WHEN '1' THEN 'Parent or young person'
           WHEN '2' THEN 'School or setting'
           WHEN '3' THEN 'Health'
           WHEN '4' THEN 'Social care'
           WHEN '5' THEN 'Other'
           ELSE 'Not recorded'
       END AS detail
FROM request r
JOIN people p ON p.person_id = r.person_id
LEFT JOIN owners o ON o.request_id = r.request_id
LEFT JOIN needs n ON n.request_id = r.request_id
WHERE ($measure IN ('received', 'agreed')
   OR ($measure = 'decided_6wk' AND r.outcome IN ('Y', 'N') AND r.outcome_date IS NOT NULL))
  AND r.received_date >= (SELECT first_day FROM coverage)
