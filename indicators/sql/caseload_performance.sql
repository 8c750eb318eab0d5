-- Caseload performance for the statutory-timescale tracker: one row per team (or, given $team, per caseworker of
-- that team) for the period $first..$last (both days in; $last is never after the reference date), then a last
-- row (total, holder NULL) for them all together.
-- Officers only, audited by the engine (the rows hold no child's record, but the counts are per caseworker).
--   open_cases       requests open on the reference date, as case_list.sql counts them (awaiting the decision to
--                    assess, or being assessed with no outcome), held by whoever holds them on that date
--   issued           EHC plans issued in the period (AssessmentOutcome Y, by the date of issue): the throughput,
--                    held by whoever held the request on the day the plan was issued
--   mean_weeks       the mean weeks from the request to the plan, over the plans issued in the period
--   timed ...        the 20-week on-time rate, as the ehcp_issued_20wk catalogue measure defines it
--                    (local/assessments.sql): plans issued in the period within 140 days of the request, of those
--                    issued, leaving out plans with a mediation or tribunal before issue; `_ex` also leaves out
--                    plans whose assessment records a statutory exception (Week20 = 1), from both counts, as SEN2's
--                    "excluding exceptions". A case past its deadline counts as late: an agreed request with no
--                    plan on the reference date whose 20-week deadline fell in the period is in the count, late
--                    (late_open), held by whoever holds it now
--   pending          requests open on the reference date, received in the period, whose 20 weeks still run: a
--                    period holding any is provisional
--   ageing           the open cases' days open (the reference date less the day received): the median and the
--                    count in each band, the bands cut at the 6- and 20-week deadlines, 26 weeks and a year
--   monthly          plans issued per calendar month since $months_from ('YYYY-MM' -> count; NULL when none)
-- Statutory weeks are calendar days; a due date is the last day allowed, so a case is late the day after it.
WITH ref AS (SELECT CAST($reference_date AS DATE) AS d, CAST($first AS DATE) AS first, CAST($last AS DATE) AS last),
held AS (
    SELECT c.request_id, c.assigned_date, c.unassigned_date, k.caseworker_name AS caseworker, k.team
    FROM casework c JOIN caseworker k ON k.caseworker_id = c.caseworker_id
),
owners_now AS (  -- case_list.sql's rule: the latest allocation not ended by the reference date
    SELECT h.request_id, arg_max(h.caseworker, h.assigned_date) AS caseworker, arg_max(h.team, h.assigned_date) AS team
    FROM held h, ref
    WHERE h.unassigned_date IS NULL OR h.unassigned_date > ref.d
    GROUP BY h.request_id
),
known AS (  -- every request received by the reference date, with its assessment as known on that date
    SELECT r.request_id, r.received_date,
           r.outcome IS NULL OR r.outcome = 'A' OR r.outcome_date > ref.d AS undecided,
           r.outcome = 'Y' AND (a.assessment_id IS NULL OR a.outcome IS NULL OR a.outcome = 'A'
                                OR a.outcome_date > ref.d) AS awaiting_plan,
           a.outcome = 'Y' AND a.outcome_date <= ref.d AS issued,
           a.outcome_date AS issued_date,
           date_diff('day', r.received_date, a.outcome_date) AS days_to_issue,
           coalesce(r.mediation, 0) + coalesce(r.tribunal, 0)
               + coalesce(a.mediation, 0) + coalesce(a.tribunal, 0) AS disputes,
           coalesce(a.week20_exception, 0) = 1 AS exception,
           CAST(r.received_date + INTERVAL 140 DAY AS DATE) AS due_20wk,
           date_diff('day', r.received_date, ref.d) AS days_open
    FROM request r LEFT JOIN assessment a ON a.request_id = r.request_id, ref
    WHERE r.received_date <= ref.d
),
owners_at_issue AS (  -- who held the request on the day its plan was issued (the latest allocation then)
    SELECT k.request_id, arg_max(h.caseworker, h.assigned_date) AS caseworker, arg_max(h.team, h.assigned_date) AS team
    FROM known k JOIN held h ON h.request_id = k.request_id
    WHERE k.issued AND h.assigned_date <= k.issued_date
      AND (h.unassigned_date IS NULL OR h.unassigned_date >= k.issued_date)
    GROUP BY k.request_id
),
cases AS (
    SELECT k.*, k.undecided OR k.awaiting_plan AS is_open,
           k.issued AND k.issued_date BETWEEN ref.first AND ref.last AS issued_in_period,
           coalesce(CASE WHEN k.issued THEN i.team ELSE o.team END, 'Unallocated') AS team,
           coalesce(CASE WHEN k.issued THEN i.caseworker ELSE o.caseworker END, 'Unallocated') AS caseworker
    FROM known k CROSS JOIN ref
    LEFT JOIN owners_now o ON o.request_id = k.request_id
    LEFT JOIN owners_at_issue i ON i.request_id = k.request_id
    WHERE k.undecided OR k.awaiting_plan OR (k.issued AND k.issued_date >= least(ref.first, CAST($months_from AS DATE)))
),
judged AS (
    SELECT c.*, CASE WHEN $team = '' THEN c.team ELSE c.caseworker END AS holder,
           c.disputes = 0 AND (c.issued_in_period
               OR (c.awaiting_plan AND c.due_20wk BETWEEN ref.first AND ref.last AND c.due_20wk < ref.d)) AS timed,
           c.issued_in_period AND c.days_to_issue <= 140 AS on_time
    FROM cases c CROSS JOIN ref
    WHERE $team = '' OR c.team = $team
)
SELECT j.holder, grouping(j.holder) = 1 AS total,
       count(*) FILTER (WHERE j.is_open) AS open_cases,
       count(*) FILTER (WHERE j.issued_in_period) AS issued,
       avg(j.days_to_issue / 7.0) FILTER (WHERE j.issued_in_period) AS mean_weeks,
       count(*) FILTER (WHERE j.timed) AS timed,
       count(*) FILTER (WHERE j.timed AND j.on_time) AS timed_on_time,
       count(*) FILTER (WHERE j.timed AND NOT j.issued) AS late_open,
       count(*) FILTER (WHERE j.timed AND NOT j.exception) AS timed_ex,
       count(*) FILTER (WHERE j.timed AND NOT j.exception AND j.on_time) AS timed_ex_on_time,
       count(*) FILTER (WHERE j.timed AND j.exception) AS exceptions,
       round(100.0 * count(*) FILTER (WHERE j.timed AND j.on_time)
             / nullif(count(*) FILTER (WHERE j.timed), 0), 1) AS on_time_pct,
       round(100.0 * count(*) FILTER (WHERE j.timed AND NOT j.exception AND j.on_time)
             / nullif(count(*) FILTER (WHERE j.timed AND NOT j.exception), 0), 1) AS on_time_ex_pct,
       count(*) FILTER (WHERE j.is_open AND j.received_date BETWEEN ref.first AND ref.last
                        AND j.due_20wk >= ref.d) AS pending,
       quantile_cont(j.days_open, 0.5) FILTER (WHERE j.is_open) AS median_days_open,
       count(*) FILTER (WHERE j.is_open AND j.days_open <= 42) AS aged_6wk,
       count(*) FILTER (WHERE j.is_open AND j.days_open BETWEEN 43 AND 140) AS aged_20wk,
       count(*) FILTER (WHERE j.is_open AND j.days_open BETWEEN 141 AND 182) AS aged_26wk,
       count(*) FILTER (WHERE j.is_open AND j.days_open BETWEEN 183 AND 364) AS aged_52wk,
       count(*) FILTER (WHERE j.is_open AND j.days_open >= 365) AS aged_over_52wk,
       histogram(strftime(j.issued_date, '%Y-%m'))
           FILTER (WHERE j.issued AND j.issued_date >= CAST($months_from AS DATE)) AS monthly
FROM judged j CROSS JOIN ref
GROUP BY GROUPING SETS ((j.holder), ())
ORDER BY total, j.holder
