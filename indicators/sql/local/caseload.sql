-- EHC plans active at a snapshot: each January census (the academic year it falls in), or each month end
-- when $monthly. A plan is active when StartDate <= snapshot < CeaseDate (or no CeaseDate): a plan that
-- ceases on the census day is no longer maintained that day. (SEN2.md words it as census <= CeaseDate; the
-- stricter reading is the one that reproduces DfE's published caseload from the synthetic extract.)
-- Snapshots run from the first January census the extract fully covers (the year of its earliest recorded
-- cessation, or of its earliest plan) to the warehouse's reference date. The placement is the rank-1
-- placement open on the snapshot date.
-- $measure:
--   all                    every active plan (a count; or each breakdown's share of the total)
--   mainstream             % of active plans whose placement is a mainstream school (unplaced plans count
--                          in the denominator, as in DfE's mainstream_total_pc)
--   independent_special    % of active plans whose placement is an independent or a non-maintained special
--                          school: a special school on the area's list (in the area or, in_area 0, outside
--                          it) whose establishment type (as GIAS names it: "Other independent special
--                          school", "Non-maintained special school") says so. DfE's special_independent +
--                          special_non_maintained over ehcplans.
--   no_placement           plans with no open placement recorded (awaiting a placement)
--   residential            plans with a residential placement (38-51 or 52 weeks)
--   out_of_area            plans placed at a school outside the area (not on its list, or listed with in_area 0)
--   neet                   young people whose plan records them not in education, employment or training
--   personal_budget        plans with a personal budget (its own breakdown budget_type: its type)
--   supported_internship   plans with a supported internship (work-based placement S)
--   social_care            children with a plan who are looked after or in need (its own breakdown
--                          social_care: which)
--   per_population         plans per head of the 0-25 population: plans at the census in January of year Y+1
--                          over the area's mid-year Y estimate (aggregate measure population_0_25), in total
--                          or by ward of residence (the ward estimates then make up the total's denominator)
WITH bounds AS (  -- the first census the extract covers (see `coverage`), else the year of its first plan
    SELECT coalesce(year(min(cease_date)), year(min(start_date))) AS first_year FROM named_plan
),
snapshots AS (
    SELECT DISTINCT
           CASE WHEN $monthly THEN last_day(make_date(CAST(y.range AS INT), CAST(m.range AS INT), 1))
                ELSE CAST(make_date(CAST(y.range AS INT), 1, 1)
                          + to_days(CAST((4 - dayofweek(make_date(CAST(y.range AS INT), 1, 1)) + 7) % 7 + 14 AS INT))
                          AS DATE)
           END AS snapshot
    FROM bounds, range(bounds.first_year, year(CAST($reference_date AS DATE)) + 1) y, range(1, 13) m
    WHERE $monthly OR m.range = 1
),
plans AS (
    SELECT np.plan_id, np.start_date, np.cease_date, np.personal_budget, np.direct_payment,
           np.work_based AS plan_work_based, a.request_id, r.person_id
    FROM named_plan np
    JOIN assessment a ON a.assessment_id = np.assessment_id
    JOIN request r ON r.request_id = a.request_id
),
active AS (
    SELECT s.snapshot, p.*
    FROM plans p
    JOIN snapshots s ON p.start_date <= s.snapshot AND (p.cease_date IS NULL OR p.cease_date > s.snapshot)
    WHERE s.snapshot <= CAST($reference_date AS DATE)
),
placed AS (  -- each plan's first-ranked placement open at the census; every field from that one placement
    -- (two open placements of the same rank: the one entered last, then the whole row's values, so the
    -- choice never depends on how DuckDB happens to order the rows)
    SELECT snapshot, plan_id, (pick).setting AS setting, (pick).sen_setting AS sen_setting, (pick).phase AS phase,
           (pick).residential AS residential, (pick).work_based AS work_based, (pick).school_name AS school_name,
           (pick).school_type AS school_type
    FROM (
    SELECT a.snapshot, a.plan_id,
           arg_min(struct_pack(setting := x.setting, sen_setting := x.sen_setting, phase := x.phase,
                               residential := x.residential, work_based := x.work_based,
                               school_name := x.school_name, school_type := x.school_type),
                   struct_pack(rank := x.placement_rank, entered := -epoch(x.entry_date),
                               setting := x.setting, sen_setting := x.sen_setting, phase := x.phase,
                               residential := x.residential, work_based := x.work_based,
                               school_name := x.school_name, school_type := x.school_type)) AS pick
    FROM active a
    JOIN active_plan ap ON ap.request_id = a.request_id
    JOIN settings x ON x.kind = 'placement' AND x.owner_id = ap.active_plan_id
                   AND coalesce(x.entry_date, a.snapshot) <= a.snapshot
                   AND (x.leaving_date IS NULL OR x.leaving_date >= a.snapshot)
    GROUP BY a.snapshot, a.plan_id
    )
),
marked AS (
    SELECT a.*, pl.setting, pl.sen_setting, pl.phase, pl.residential, pl.school_name AS placed_school,
           -- a special school in the area or, listed as outside it, elsewhere
           coalesce(pl.setting IN ('Special school', 'School outside the area') AND pl.phase = 'Special'
                    AND regexp_matches(lower(pl.school_type), 'independent|non[- ]?maintained'), FALSE)
               AS independent_special,
           coalesce(pl.work_based, a.plan_work_based) AS work_based, pl.plan_id IS NULL AS unplaced,
           coalesce(r.looked_after, 0) AS looked_after, coalesce(r.child_in_need, 0) AS child_in_need
    FROM active a
    LEFT JOIN residence r ON r.person_id = a.person_id
    LEFT JOIN placed pl ON pl.snapshot = a.snapshot AND pl.plan_id = a.plan_id
)
SELECT m.snapshot AS event_date, m.person_id, m.request_id, m.snapshot AS age_on,
       CASE $measure
           WHEN 'all' THEN 1
           WHEN 'per_population' THEN 1
           WHEN 'mainstream' THEN coalesce(m.setting = 'Mainstream school', FALSE)::INT
           WHEN 'independent_special' THEN m.independent_special::INT
           ELSE m.included::INT
       END AS numerator,
       CASE $measure WHEN 'mainstream' THEN 1 WHEN 'independent_special' THEN 1 WHEN 'per_population' THEN 0
       END AS denominator,
       m.placed_school AS school,  -- the school of the placement, else the child's own
       coalesce(m.setting, 'Not recorded') AS setting, m.phase,
       CASE WHEN m.included AND $measure = 'personal_budget' THEN CASE m.direct_payment
           WHEN 'E' THEN 'Education' WHEN 'S' THEN 'Social care' WHEN 'H' THEN 'Health'
           WHEN 'I' THEN 'Integrated' ELSE 'Not a direct payment' END
       END AS budget_type,
       CASE WHEN m.included AND $measure = 'social_care' THEN
           CASE WHEN m.looked_after = 1 THEN 'Looked after' ELSE 'Child in need' END
       END AS social_care
FROM (
    SELECT *,
           coalesce(CASE $measure  -- whether the plan counts towards a count measure (every plan is a row,
                                   -- so a true zero is still a row)
               WHEN 'no_placement' THEN unplaced
               WHEN 'residential' THEN coalesce(residential, '') IN ('A', 'B')
               WHEN 'out_of_area' THEN setting = 'School outside the area'
               WHEN 'neet' THEN sen_setting IN ('NEET', 'NIEC', 'NIEO')
               WHEN 'personal_budget' THEN personal_budget = 1
               WHEN 'supported_internship' THEN work_based = 'S'
               WHEN 'social_care' THEN looked_after = 1 OR child_in_need = 1
               ELSE TRUE
           END, FALSE) AS included
    FROM marked
) m
WHERE $measure <> 'per_population' OR NOT $monthly
UNION ALL BY NAME
SELECT s.snapshot AS event_date, 0 AS numerator, coalesce(g.value, g.numerator) AS denominator,
       CASE WHEN g.breakdown = 'ward' THEN g.breakdown_value END AS ward_code,
       -- the ward estimates make up the figures by ward (and their total); the area's, every other
       CASE WHEN g.breakdown = 'ward' THEN ['ward'] ELSE list_filter($breakdowns, lambda b: b <> 'ward') END AS counted_in
FROM aggregate_measure g
JOIN snapshots s ON year(s.snapshot) = CAST(g.period AS INT) + 1
WHERE $measure = 'per_population' AND NOT $monthly AND g.measure_code = 'population_0_25'
  AND regexp_matches(g.period, '^\d{4}$')
  AND s.snapshot <= CAST($reference_date AS DATE)
  AND (g.breakdown = 'ward' OR coalesce(nullif(trim(g.breakdown), ''), 'Total') = 'Total')
