-- Requests for an EHC needs assessment, by the date received (the day the 6- and 20-week clocks start).
-- $measure:
--   received      requests received, a count
--   agreed        % of requests received where the decision was to assess (RequestOutcome Y)
--   decided_6wk   % of requests received whose decision to assess or not (RequestOutcome Y or N) was made
--                 within 6 weeks (42 days). The cohort is every request received in the period that is not
--                 withdrawn: one still undecided once its 42 days have passed (by $reference_date) is late;
--                 one still undecided within them is pending (DfE's requests table also counts by the year
--                 a request was received).
-- Its own breakdown: request_source, who made the request (RequestSource).
WITH cases AS (
    SELECT r.*,
           r.outcome IN ('Y', 'N') AND r.outcome_date IS NOT NULL AS decided,
           -- no decision yet (not withdrawn, not a historical record)
           coalesce(r.outcome, 'A') = 'A' AND r.outcome_date IS NULL AS undecided,
           r.received_date + INTERVAL 42 DAY >= CAST($reference_date AS DATE) AS clock_running
    FROM request r
    WHERE r.received_date >= (SELECT first_day FROM coverage)
)
SELECT r.received_date AS event_date, r.person_id, r.request_id, r.received_date AS age_on,
       CASE $measure
           WHEN 'received' THEN 1
           WHEN 'agreed' THEN (r.outcome = 'Y')::INT
           WHEN 'decided_6wk' THEN (r.decided AND date_diff('day', r.received_date, r.outcome_date) <= 42)::INT
       END AS numerator,
       CASE
           WHEN $measure = 'received' THEN NULL
           WHEN $measure = 'decided_6wk' AND r.undecided AND r.clock_running THEN 0
           ELSE 1
       END AS denominator,
       ($measure = 'decided_6wk' AND r.undecided AND r.clock_running)::INT AS pending,
       CASE r.request_source
           WHEN '1' THEN 'Parent or young person'
           WHEN '2' THEN 'School or setting'
           WHEN '3' THEN 'Health'
           WHEN '4' THEN 'Social care'
           WHEN '5' THEN 'Other'
           ELSE 'Not recorded'
       END AS request_source
FROM cases r
WHERE $measure IN ('received', 'agreed') OR ($measure = 'decided_6wk' AND (r.decided OR r.undecided))
