-- EHC plans that ceased, by CeaseDate, with the child's age on that date.
-- $measure: ceased (a count). Its own breakdown: cease_reason (CeaseReason), in DfE's published words.
SELECT np.cease_date AS event_date, r.person_id, r.request_id, np.cease_date AS age_on,
       1 AS numerator, NULL AS denominator,
       CASE np.cease_reason
           WHEN '1' THEN 'Reached maximum age'
           WHEN '2' THEN 'Needs met without a plan'
           WHEN '3' THEN 'Moved to higher education'
           WHEN '4' THEN 'Moved to paid employment'
           WHEN '5' THEN 'Moved to another local authority'
           WHEN '6' THEN 'No longer wishes to engage in education or training'
           WHEN '7' THEN 'Moved outside England'
           WHEN '8' THEN 'Deceased'
           WHEN '9' THEN 'Other'
           ELSE 'Not recorded'
       END AS cease_reason
FROM named_plan np
JOIN assessment a ON a.assessment_id = np.assessment_id
JOIN request r ON r.request_id = a.request_id
WHERE np.cease_date >= (SELECT first_day FROM coverage) AND $measure = 'ceased'
