-- Annual reviews of EHC plans. Each review measure runs a clock from the date that places it in a period:
-- $measure:
--   held          % of reviews due in the period (by due date: the 12 months since the plan or the last review
--                 end then) whose meeting has been held. A review not held once its due date has passed (by
--                 $reference_date) counts as not held; one not held and not yet due is pending (reviews due
--                 after the reference date's month wait for their month)
--   decision_4wk  % of review meetings (by meeting date) whose decision was communicated within 4 weeks
--                 (28 days); a meeting without a decision once its 28 days have passed is late, one within them
--                 is pending
--   listened      % of families answering the question who felt listened to (by meeting date)
-- Its own breakdown: review_outcome.
WITH cases AS (
    SELECT v.*,
           CASE $measure
               WHEN 'held' THEN v.meeting_date IS NULL AND v.due_date >= CAST($reference_date AS DATE)
               WHEN 'decision_4wk' THEN v.decision_date IS NULL
                   AND v.meeting_date + INTERVAL 28 DAY >= CAST($reference_date AS DATE)
               ELSE FALSE
           END AS clock_running
    FROM review v
)
SELECT CASE WHEN $measure = 'held' THEN v.due_date ELSE v.meeting_date END AS event_date,
       r.person_id, r.request_id, coalesce(v.meeting_date, v.due_date) AS age_on,
       CASE $measure
           WHEN 'held' THEN (v.meeting_date IS NOT NULL)::INT
           WHEN 'decision_4wk' THEN (v.decision_date IS NOT NULL
                                     AND date_diff('day', v.meeting_date, v.decision_date) <= 28)::INT
           WHEN 'listened' THEN (v.family_felt_listened = 'Y')::INT
       END AS numerator,
       CASE WHEN v.clock_running THEN 0 ELSE 1 END AS denominator,
       v.clock_running::INT AS pending,
       CASE v.outcome WHEN 'M' THEN 'Maintain' WHEN 'A' THEN 'Amend' WHEN 'C' THEN 'Cease' ELSE 'Not recorded' END
           AS review_outcome
FROM cases v
JOIN request r ON r.request_id = v.request_id
WHERE CASE $measure
          WHEN 'held' THEN v.due_date <= last_day(CAST($reference_date AS DATE))  -- no month after the extract's
          WHEN 'decision_4wk' THEN v.meeting_date IS NOT NULL
          WHEN 'listened' THEN v.family_felt_listened IN ('Y', 'N')
      END
