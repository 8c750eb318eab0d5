-- Advice requested for an EHC needs assessment (health, social care, educational psychology), by the date it
-- was requested (the day its 6-week clock starts), in months and years alike. Advice is due within 6 weeks
-- (42 days).
-- $measure: returned_6wk (% returned within 6 weeks). Advice not returned once its 42 days have passed (by
-- $reference_date) is late; advice not returned within them is pending. Its own breakdown: advice_type.
WITH cases AS (
    SELECT h.*, h.returned_date IS NULL AND h.requested_date + INTERVAL 42 DAY >= CAST($reference_date AS DATE)
               AS clock_running
    FROM health_advice h
)
SELECT h.requested_date AS event_date, r.person_id, r.request_id, h.requested_date AS age_on,
       (h.returned_date IS NOT NULL AND date_diff('day', h.requested_date, h.returned_date) <= 42)::INT AS numerator,
       CASE WHEN h.clock_running THEN 0 ELSE 1 END AS denominator,
       h.clock_running::INT AS pending,
       CASE h.advice_type
           WHEN 'health' THEN 'Health'
           WHEN 'social_care' THEN 'Social care'
           WHEN 'educational_psychology' THEN 'Educational psychology'
           ELSE 'Other'
       END AS advice_type
FROM cases h
JOIN request r ON r.request_id = h.request_id
WHERE $measure = 'returned_6wk'
