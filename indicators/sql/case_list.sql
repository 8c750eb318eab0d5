-- Open cases against their statutory clocks on the reference date. CHILD-LEVEL: the engine returns this to
-- officers only and audits every call.
-- One row per request still open: awaiting the decision to assess (due 6 weeks after the request), or being
-- assessed with no outcome yet (the plan is due 20 weeks after the request). A case nobody holds on the
-- reference date is 'Unallocated'. A statutory exception to the 20-week limit (Week20 = 1) is named in the stage; its
-- clock still shows, so the case is chased. Filters: $team, $caseworker ('' = all).
WITH owners AS (
    SELECT c.request_id, arg_max(k.caseworker_name, c.assigned_date) AS caseworker,
           arg_max(k.team, c.assigned_date) AS team
    FROM casework c JOIN caseworker k ON k.caseworker_id = c.caseworker_id
    WHERE c.unassigned_date IS NULL OR c.unassigned_date > CAST($reference_date AS DATE)
    GROUP BY c.request_id
),
dated AS (  -- an outcome dated after the reference date is not yet known on it
    SELECT r.request_id, r.person_id, r.received_date,
           r.outcome IS NULL OR r.outcome = 'A' OR r.outcome_date > CAST($reference_date AS DATE) AS undecided,
           r.outcome = 'Y' AND (a.assessment_id IS NULL OR a.outcome IS NULL OR a.outcome = 'A'
                                OR a.outcome_date > CAST($reference_date AS DATE)) AS assessing,
           a.week20_exception
    FROM request r
    LEFT JOIN assessment a ON a.request_id = r.request_id
    WHERE r.received_date <= CAST($reference_date AS DATE)
),
open_cases AS (
    SELECT request_id, person_id, received_date,
           CASE WHEN undecided THEN 'Awaiting decision to assess'
                WHEN week20_exception = 1 THEN 'Being assessed (statutory exception recorded)'
                ELSE 'Being assessed' END AS stage,
           CASE WHEN undecided THEN received_date + INTERVAL 42 DAY
                ELSE received_date + INTERVAL 140 DAY END AS due_date
    FROM dated
    WHERE undecided OR assessing
)
SELECT c.request_id, c.person_id, p.forename, p.surname, p.birth_date, c.received_date, c.stage,
       CAST(c.due_date AS DATE) AS due_date,
       date_diff('day', c.received_date, CAST($reference_date AS DATE)) AS days_open,
       date_diff('day', CAST($reference_date AS DATE), CAST(c.due_date AS DATE)) AS days_to_due,
       CASE
           WHEN c.due_date < CAST($reference_date AS DATE) THEN 'Breached'
           WHEN c.due_date < CAST($reference_date AS DATE) + INTERVAL 7 DAY THEN 'Due this week'
           WHEN c.due_date < CAST($reference_date AS DATE) + INTERVAL 35 DAY THEN 'Due in the next four weeks'
           ELSE 'On track'
       END AS clock,
       coalesce(o.team, 'Unallocated') AS team, coalesce(o.caseworker, 'Unallocated') AS caseworker
FROM open_cases c
JOIN person p ON p.person_id = c.person_id
LEFT JOIN owners o ON o.request_id = c.request_id
WHERE ($team = '' OR coalesce(o.team, 'Unallocated') = $team)
  AND ($caseworker = '' OR coalesce(o.caseworker, 'Unallocated') = $caseworker)
ORDER BY c.due_date, c.request_id
