-- EHC needs assessments, by the date of their outcome (the plan's issue date, or the date the family was
-- told no plan would be issued).
-- $measure:
--   issued           plans issued (AssessmentOutcome Y), a count
--   issued_20wk      % of plans issued within 20 weeks (140 days) of the request being received. Plans with a
--                    mediation or tribunal before issue (RequestMediation, RequestTribunal, AssessmentMediation
--                    or AssessmentTribunal = 1) are left out, as in DfE's timeliness table; statutory
--                    exceptions stay in
--   issued_20wk_ex   the same, also leaving out plans where a statutory exception applied (Week20 = 1)
--   not_issued_16wk  % of decisions not to issue a plan made within 16 weeks (112 days) of the request
-- detail: the time taken, in DfE's bands.
WITH cases AS (
    SELECT a.assessment_id, a.request_id, a.outcome, a.outcome_date, a.week20_exception,
           coalesce(r.mediation, 0) + coalesce(r.tribunal, 0)
               + coalesce(a.mediation, 0) + coalesce(a.tribunal, 0) AS disputes,
           r.person_id, r.received_date,
           date_diff('day', r.received_date, a.outcome_date) AS days
    FROM assessment a
    JOIN request r ON r.request_id = a.request_id
    WHERE a.outcome_date IS NOT NULL AND a.outcome_date >= (SELECT first_day FROM coverage)
),
named AS (  -- the setting named in the plan when it was issued (placement rank 1)
    SELECT np.assessment_id, arg_min(x.setting, x.placement_rank) AS setting,
           arg_min(x.school_name, x.placement_rank) AS school_name
    FROM named_plan np
    JOIN settings x ON x.kind = 'named' AND x.owner_id = np.plan_id
    GROUP BY np.assessment_id
)
SELECT c.outcome_date AS event_date,
       CASE $measure
           WHEN 'issued' THEN 1
           WHEN 'not_issued_16wk' THEN (c.days <= 112)::INT
           ELSE (c.days <= 140)::INT
       END AS numerator,
       CASE WHEN $measure = 'issued' THEN NULL ELSE 1 END AS denominator,
       p.birth_date, c.received_date AS age_on, n.need_code, p.sex, p.ethnicity, p.ward,
       coalesce(nm.school_name, p.school) AS school,
       coalesce(nm.setting, 'Not recorded') AS setting, NULL::VARCHAR AS phase, o.team, o.caseworker,
       CASE
           WHEN c.days <= 140 THEN 'Within 20 weeks'
           WHEN c.days <= 365 THEN 'Over 20 weeks, within a year'
           ELSE 'Over a year'
       END AS detail
FROM cases c
JOIN people p ON p.person_id = c.person_id
LEFT JOIN owners o ON o.request_id = c.request_id
LEFT JOIN needs n ON n.request_id = c.request_id
LEFT JOIN named nm ON nm.assessment_id = c.assessment_id
WHERE CASE $measure
          WHEN 'issued' THEN c.outcome = 'Y'
          WHEN 'issued_20wk' THEN c.outcome = 'Y' AND c.disputes = 0
          WHEN 'issued_20wk_ex' THEN c.outcome = 'Y' AND c.disputes = 0 AND coalesce(c.week20_exception, 0) = 0
          WHEN 'not_issued_16wk' THEN c.outcome = 'N'
      END
