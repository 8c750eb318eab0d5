-- Advice requested for an EHC needs assessment (health, social care, educational psychology), by the date it
-- was requested. Advice is due within 6 weeks (42 days).
-- $measure: returned_6wk (% returned within 6 weeks). Requests still inside their 6 weeks at the reference
-- date are left out until they fall due. detail: the type of advice.
SELECT h.requested_date AS event_date,
       (h.returned_date IS NOT NULL AND date_diff('day', h.requested_date, h.returned_date) <= 42)::INT AS numerator,
       1 AS denominator,
       p.birth_date, h.requested_date AS age_on, n.need_code, p.sex, p.ethnicity, p.ward, p.school,
       NULL::VARCHAR AS setting, NULL::VARCHAR AS phase, o.team, o.caseworker,
       CASE h.advice_type
           WHEN 'health' THEN 'Health'
           WHEN 'social_care' THEN 'Social care'
           WHEN 'educational_psychology' THEN 'Educational psychology'
           ELSE 'Other'
       END AS detail
FROM health_advice h
JOIN request r ON r.request_id = h.request_id
JOIN people p ON p.person_id = r.person_id
LEFT JOIN owners o ON o.request_id = r.request_id
LEFT JOIN needs n ON n.request_id = r.request_id
WHERE $measure = 'returned_6wk'
  AND (h.returned_date IS NOT NULL OR h.requested_date + INTERVAL 42 DAY <= CAST($reference_date AS DATE))
