-- EHC needs assessments.
-- $measure:
--   issued           plans issued (AssessmentOutcome Y), a count, by the date of issue
--   issued_20wk      % of plans issued within 20 weeks (140 days) of the request being received. Plans with a
--                    mediation or tribunal before issue (RequestMediation, RequestTribunal, AssessmentMediation
--                    or AssessmentTribunal = 1) are left out, as in DfE's timeliness table; statutory
--                    exceptions stay in
--   issued_20wk_ex   the same, also leaving out plans where a statutory exception applied (Week20 = 1)
--   not_issued_16wk  % of decisions not to issue a plan made within 16 weeks (112 days) of the request
-- Which date places a timeliness case in a period:
--   years   DfE's rule: the date of the outcome (plan issued, or family told no plan), so a local year lines up
--           with the published ones; a case is counted once it has its outcome.
--   months  the date the request was received, with deadlines: the cohort is every agreed request of the
--           month, so one still open has a place. An open assessment (no outcome yet) counts in both the
--           20- and the 16-week measure, since either decision is still owed: late once that clock's
--           deadline has passed by $reference_date, pending while it runs.
-- Its own breakdown: timeliness_band, the time taken in DfE's bands.
WITH cases AS (
    SELECT a.assessment_id, r.request_id, a.outcome, a.outcome_date, a.week20_exception,
           coalesce(r.mediation, 0) + coalesce(r.tribunal, 0)
               + coalesce(a.mediation, 0) + coalesce(a.tribunal, 0) AS disputes,
           r.person_id, r.received_date,
           date_diff('day', r.received_date, a.outcome_date) AS days,
           -- agreed to assess, and no outcome yet (no assessment record, or AssessmentOutcome A)
           r.outcome = 'Y' AND coalesce(a.outcome, 'A') = 'A' AND a.outcome_date IS NULL AS open
    FROM request r
    LEFT JOIN assessment a ON a.request_id = r.request_id
),
clocked AS (
    SELECT *,
           CASE WHEN $monthly AND $measure <> 'issued' THEN received_date ELSE outcome_date END AS judged_on,
           received_date + INTERVAL (CASE $measure WHEN 'not_issued_16wk' THEN 112 ELSE 140 END) DAY
               >= CAST($reference_date AS DATE) AS clock_running
    FROM cases
    WHERE outcome_date IS NOT NULL OR (open AND $monthly AND $measure <> 'issued')
),
named AS (  -- the setting named in the plan when it was issued (placement rank 1; two of one rank: the
    -- first by setting, then school, so both fields come from one named setting whatever the row order)
    SELECT assessment_id, (pick).setting AS setting, (pick).school_name AS school_name
    FROM (
    SELECT np.assessment_id,
           arg_min(struct_pack(setting := x.setting, school_name := x.school_name),
                   struct_pack(rank := x.placement_rank, setting := x.setting, school_name := x.school_name)) AS pick
    FROM named_plan np
    JOIN settings x ON x.kind = 'named' AND x.owner_id = np.plan_id
    GROUP BY np.assessment_id
    )
)
SELECT c.judged_on AS event_date, c.person_id, c.request_id, c.received_date AS age_on,
       CASE $measure
           WHEN 'issued' THEN 1
           WHEN 'not_issued_16wk' THEN coalesce(c.days <= 112, FALSE)::INT
           ELSE coalesce(c.days <= 140, FALSE)::INT
       END AS numerator,
       CASE WHEN $measure = 'issued' THEN NULL WHEN c.open AND c.clock_running THEN 0 ELSE 1 END AS denominator,
       (c.open AND c.clock_running)::INT AS pending,
       nm.school_name AS school,  -- the school named in the plan, else the child's own
       coalesce(nm.setting, 'Not recorded') AS setting,
       CASE
           WHEN c.open THEN 'No outcome yet'
           WHEN c.days <= 140 THEN 'Within 20 weeks'
           WHEN c.days <= 365 THEN 'Over 20 weeks, within a year'
           ELSE 'Over a year'
       END AS timeliness_band
FROM clocked c
LEFT JOIN named nm ON nm.assessment_id = c.assessment_id
WHERE c.judged_on >= (SELECT first_day FROM coverage)
  AND CASE $measure
          WHEN 'issued' THEN c.outcome = 'Y'
          WHEN 'issued_20wk' THEN (c.outcome = 'Y' OR c.open) AND c.disputes = 0
          WHEN 'issued_20wk_ex' THEN (c.outcome = 'Y' OR c.open) AND c.disputes = 0
                                     AND coalesce(c.week20_exception, 0) = 0
          WHEN 'not_issued_16wk' THEN c.outcome = 'N' OR c.open
      END
