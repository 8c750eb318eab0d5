-- The other statutory clocks still running on the reference date, one $clock at a time, in the columns of
-- case_list.sql (so a page or file built for one list serves every one). CHILD-LEVEL: officers only, audited.
-- Statutory weeks are calendar days with no bank-holiday adjustment; a due date is the last day allowed, so a
-- case breaches the day after it. days_open counts from the day this clock started.
--   no_plan_16wk      being assessed with no outcome: a decision not to issue a plan is due 16 weeks (112 days)
--                     after the request was received
--   health_advice     advice (health, social care, educational psychology) asked for an assessment still open
--                     and not yet returned: due 6 weeks (42 days) after it was asked for
--   annual_review     plans in force: the review meeting is due within 12 months of the last meeting held, or
--                     of the plan's start when none has been (a plan started on 29 February is due on 28 February)
--   review_decision   review meetings held with no decision sent: due 4 weeks (28 days) after the meeting
--   phase_transfer    plans of children changing phase this year (SEN2 phase transfer due date), not yet
--                     finalised: the amended plan is due by 15 February of the transfer year, or by 31 March
--                     for a move into post-16 education (a young person 16 or over on 31 August of that year);
--                     the clock runs through the school year before the move (from 1 September): a transfer
--                     whose September has come is history, one a year or more away not yet started
-- A statutory exception to the 20-week limit (Week20 = 1) is named in the stage, never hidden.
-- Filters: $team, $caseworker ('' = all).
WITH ref AS (SELECT CAST($reference_date AS DATE) AS d),
owners AS (
    SELECT c.request_id, arg_max(k.caseworker_name, c.assigned_date) AS caseworker,
           arg_max(k.team, c.assigned_date) AS team
    FROM casework c JOIN caseworker k ON k.caseworker_id = c.caseworker_id, ref
    WHERE c.unassigned_date IS NULL OR c.unassigned_date > ref.d
    GROUP BY c.request_id
),
assessing AS (  -- agreed to assess by the reference date, no outcome by then
    SELECT r.request_id, r.received_date, coalesce(a.week20_exception, 0) = 1 AS exception
    FROM request r LEFT JOIN assessment a ON a.request_id = r.request_id, ref
    WHERE r.outcome = 'Y' AND coalesce(r.outcome_date, r.received_date) <= ref.d  -- undated: agreed when received
      AND (a.outcome_date IS NULL OR a.outcome_date > ref.d OR coalesce(a.outcome, 'A') = 'A')
),
in_force AS (  -- plans in force on the reference date, with the request they answer
    SELECT a.request_id, np.plan_id, np.start_date
    FROM named_plan np JOIN assessment a ON a.assessment_id = np.assessment_id, ref
    WHERE np.start_date <= ref.d AND (np.cease_date IS NULL OR np.cease_date > ref.d)
),
held AS (
    SELECT v.request_id, max(v.meeting_date) AS last_meeting
    FROM review v, ref WHERE v.meeting_date <= ref.d GROUP BY v.request_id
),
clocks AS (
    SELECT request_id, received_date AS started,
           CASE WHEN exception THEN 'Being assessed: 16-week no-plan decision (statutory exception recorded)'
                ELSE 'Being assessed: 16-week no-plan decision' END AS stage,
           received_date + INTERVAL 112 DAY AS due_date
    FROM assessing WHERE $clock = 'no_plan_16wk'
    UNION ALL
    SELECT h.request_id, h.requested_date,
           'Awaiting ' || CASE h.advice_type WHEN 'health' THEN 'health' WHEN 'social_care' THEN 'social care'
                                             ELSE 'educational psychology' END
               || ' advice' || coalesce(' from ' || h.provider, '') || ' (asked ' || strftime(h.requested_date, '%Y-%m-%d') || ')',
           h.requested_date + INTERVAL 42 DAY
    FROM health_advice h JOIN assessing s ON s.request_id = h.request_id, ref
    WHERE $clock = 'health_advice' AND h.requested_date <= ref.d
      AND (h.returned_date IS NULL OR h.returned_date > ref.d)
    UNION ALL
    SELECT p.request_id, coalesce(greatest(m.last_meeting, p.start_date), p.start_date),
           CASE WHEN m.last_meeting >= p.start_date
                THEN 'Annual review due (last review ' || strftime(m.last_meeting, '%Y-%m-%d') || ')'
                ELSE 'Annual review due (plan started ' || strftime(p.start_date, '%Y-%m-%d') || ')' END,
           coalesce(greatest(m.last_meeting, p.start_date), p.start_date) + INTERVAL 12 MONTH
    FROM in_force p LEFT JOIN held m ON m.request_id = p.request_id
    WHERE $clock = 'annual_review'
    UNION ALL
    SELECT v.request_id, v.meeting_date,
           'Review decision to send (meeting ' || strftime(v.meeting_date, '%Y-%m-%d') || ')',
           v.meeting_date + INTERVAL 28 DAY
    FROM review v, ref
    WHERE $clock = 'review_decision' AND v.meeting_date <= ref.d
      AND (v.decision_date IS NULL OR v.decision_date > ref.d)
    UNION ALL
    SELECT t.request_id, t.started,
           CASE WHEN t.post16 THEN 'Phase transfer into post-16: plan to amend by 31 March'
                ELSE 'Phase transfer: plan to amend by 15 February' END,
           CASE WHEN t.post16 THEN make_date(t.transfer_year, 3, 31) ELSE make_date(t.transfer_year, 2, 15) END
    FROM (
        SELECT ap.request_id, year(ap.phase_transfer_due) AS transfer_year,
               make_date(year(ap.phase_transfer_due) - 1, 9, 1) AS started,  -- the school year before the move
               -- age on 31 August of the transfer year: the young person's birthday year, counted from September
               year(ap.phase_transfer_due) - (year(p.birth_date) + (month(p.birth_date) >= 9)::INT) >= 16 AS post16
        FROM active_plan ap JOIN request r ON r.request_id = ap.request_id
        JOIN person p ON p.person_id = r.person_id, ref
        WHERE ap.phase_transfer_due IS NOT NULL
          AND (ap.phase_transfer_final IS NULL OR ap.phase_transfer_final > ref.d)
          AND make_date(year(ap.phase_transfer_due) - 1, 9, 1) <= ref.d  -- the school year before the move
          AND make_date(year(ap.phase_transfer_due), 9, 1) > ref.d
    ) t
    WHERE $clock = 'phase_transfer'
)
SELECT c.request_id, r.person_id, p.forename, p.surname, p.birth_date, r.received_date, c.stage,
       CAST(c.due_date AS DATE) AS due_date,
       date_diff('day', c.started, ref.d) AS days_open,
       date_diff('day', ref.d, CAST(c.due_date AS DATE)) AS days_to_due,
       CASE
           WHEN c.due_date < ref.d THEN 'Breached'
           WHEN c.due_date < ref.d + INTERVAL 7 DAY THEN 'Due this week'
           WHEN c.due_date < ref.d + INTERVAL 35 DAY THEN 'Due in the next four weeks'
           ELSE 'On track'
       END AS clock,
       coalesce(o.team, 'Unallocated') AS team, coalesce(o.caseworker, 'Unallocated') AS caseworker
FROM clocks c
CROSS JOIN ref
JOIN request r ON r.request_id = c.request_id
JOIN person p ON p.person_id = r.person_id
LEFT JOIN owners o ON o.request_id = c.request_id
WHERE ($team = '' OR coalesce(o.team, 'Unallocated') = $team)
  AND ($caseworker = '' OR coalesce(o.caseworker, 'Unallocated') = $caseworker)
ORDER BY c.due_date, c.request_id, c.stage
