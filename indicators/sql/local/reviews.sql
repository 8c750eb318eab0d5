-- Annual reviews of EHC plans.
-- $measure:
--   held          % of reviews due in the period (by due date) whose meeting has been held; reviews not yet
--                 due at the reference date are left out
--   decision_4wk  % of review meetings (by meeting date) whose decision was communicated within 4 weeks
--                 (28 days); meetings less than 4 weeks old without a decision are left out
--   listened      % of families answering the question who felt listened to (by meeting date)
-- detail: the review's outcome.
SELECT CASE WHEN $measure = 'held' THEN v.due_date ELSE v.meeting_date END AS event_date,
       CASE $measure
           WHEN 'held' THEN (v.meeting_date IS NOT NULL)::INT
           WHEN 'decision_4wk' THEN (v.decision_date IS NOT NULL
                                     AND date_diff('day', v.meeting_date, v.decision_date) <= 28)::INT
           WHEN 'listened' THEN (v.family_felt_listened = 'Y')::INT
       END AS numerator,
       1 AS denominator,
       p.birth_date, coalesce(v.meeting_date, v.due_date) AS age_on, n.need_code, p.sex, p.ethnicity, p.ward,
       p.school, NULL::VARCHAR AS setting, NULL::VARCHAR AS phase, o.team, o.caseworker,
       CASE v.outcome WHEN 'M' THEN 'Maintain' WHEN 'A' THEN 'Amend' WHEN 'C' THEN 'Cease' ELSE 'Not recorded' END
           AS detail
FROM review v
JOIN request r ON r.request_id = v.request_id
JOIN people p ON p.person_id = r.person_id
LEFT JOIN owners o ON o.request_id = r.request_id
LEFT JOIN needs n ON n.request_id = r.request_id
WHERE CASE $measure
          WHEN 'held' THEN v.due_date <= CAST($reference_date AS DATE)
          WHEN 'decision_4wk' THEN v.meeting_date IS NOT NULL
              AND (v.decision_date IS NOT NULL OR v.meeting_date + INTERVAL 28 DAY <= CAST($reference_date AS DATE))
          WHEN 'listened' THEN v.family_felt_listened IN ('Y', 'N')
      END
