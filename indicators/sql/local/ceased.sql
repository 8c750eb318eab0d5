-- EHC plans that ceased, by CeaseDate, with the child's age on that date.
-- $measure: ceased (a count). detail: the reason (CeaseReason), in DfE's published words.
SELECT np.cease_date AS event_date, 1 AS numerator, NULL AS denominator,
       p.birth_date, np.cease_date AS age_on, n.need_code, p.sex, p.ethnicity, p.ward, p.school,
       NULL::VARCHAR AS setting, NULL::VARCHAR AS phase, o.team, o.caseworker,
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
       END AS detail
FROM named_plan np
JOIN assessment a ON a.assessment_id = np.assessment_id
JOIN request r ON r.request_id = a.request_id
JOIN people p ON p.person_id = r.person_id
LEFT JOIN owners o ON o.request_id = r.request_id
LEFT JOIN needs n ON n.request_id = r.request_id
WHERE np.cease_date >= (SELECT first_day FROM coverage) AND $measure = 'ceased'
