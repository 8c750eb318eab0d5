-- The tidy result of one local indicator family.
--
-- The engine puts one family file of this folder (a trusted file, never caller text) where the marker
-- line below is. A family yields `records`: one row per child-level event or snapshot, with its keys and the
-- event only:
--   event_date  the date that places the row in a period
--   numerator, denominator  what the row adds to each (denominator NULL for plain counts)
--   person_id, request_id  the child and the case: this frame adds everything about them (age band, sex,
--               ethnic group, home ward and its NHS sub-ICB location, school, primary need, team,
--               caseworker), so a new breakdown of children is written here once, not in every family. A row naming a person
--               not in `person` is left out; a row with no person (a school, a population estimate) stands alone
--   age_on      the date the child's age is taken on (request date, census date, ...)
--   pending     1 for a case whose statutory clock is still running at the reference date (in neither
--               numerator nor denominator yet); a period with any such case comes out `provisional`
-- and, only where the event itself carries them (each optional, NULL when left out):
--   school, setting, phase  where the event places the child (the school named in the plan, the placement
--               open at the census), in place of the child's home school
--   ward_code   the ward the event belongs to when it is not the child's home (a school's ward, a census
--               pupil's ward, a population estimate's ward)
--   sex, ethnicity, need_code  for a row with no person (a census pupil)
--   the family's own breakdown: request_source, cease_reason, budget_type, advice_type, appeal_type,
--               review_outcome, social_care, timeliness_band. A family may keep rows that add nothing to its
--               numerator so true zeros show, and leaves its own breakdown NULL on them.
--   counted_in  the breakdowns whose figures (and their totals) the row counts in, for a row that stands
--               for different people by breakdown (a population estimate by ward, and one for the whole area)
-- The shared lookups below (`people`, `places`, `owners`, `needs`, `settings`, `coverage`) are there for
-- families to read too.
--
-- Bound parameters: $breakdowns (the breakdowns wanted, each 'Total' or a name of the allowlist
-- indicators.catalogue.model.LOCAL_BREAKDOWNS, checked by the engine before the query runs; any other name
-- stops the query: every one comes from one pass over the records, its rows marked `asked`), $granularity, $monthly,
-- $period ('' = all), $only_ward, $only_school, $only_primary_need (drill-down filters, '' = everyone),
-- $value (count | percent | share | mean | rate), $scale, $area_code, $area_name, plus the family's own.
WITH people AS (  -- each child's home ward and school
    SELECT p.person_id, p.birth_date, p.sex, p.ethnicity, r.ward_code,
           coalesce(s.school_name, CASE WHEN r.school_urn IS NOT NULL THEN 'School outside the area'
                                        ELSE 'No school recorded' END) AS school
    FROM person p
    LEFT JOIN residence r ON r.person_id = p.person_id
    LEFT JOIN dim_school s ON s.urn = r.school_urn AND coalesce(s.in_area, 1) = 1
),
places AS (  -- every ward's name and NHS sub-ICB location: the sub-ICB location (former CCG) serving the council
             -- area the ward lies in (la_nhs, matched on DfE's LA number so re-coded councils still match).
             -- The lookups go no finer than a council: where several sub-ICB locations serve one, its wards
             -- cannot be told apart and say so
    SELECT w.ward_code, w.ward_name,
           CASE WHEN n.locations = 1 THEN n.sub_icb_name
                WHEN n.locations > 1 THEN w.la_name || ': several sub-ICB locations'
                ELSE w.la_name || ': not in the NHS lookup'
           END AS sub_icb
    FROM (SELECT DISTINCT ON (ward_code) ward_code, ward_name, new_la_code, la_name FROM dim_ward) w
    LEFT JOIN (SELECT DISTINCT new_la_code, old_la_code FROM dim_la_code WHERE old_la_code IS NOT NULL) c
           ON c.new_la_code = w.new_la_code
    LEFT JOIN (
        SELECT coalesce(c.old_la_code, n.la_code) AS la, count(DISTINCT n.sub_icb_code) AS locations,
               min(n.sub_icb_name) AS sub_icb_name
        FROM la_nhs n
        LEFT JOIN (SELECT DISTINCT new_la_code, old_la_code FROM dim_la_code WHERE old_la_code IS NOT NULL) c
               ON c.new_la_code = n.la_code
        GROUP BY ALL
    ) n ON n.la = coalesce(c.old_la_code, w.new_la_code)
),
owners AS (  -- the caseworker who holds (or last held) each case
    SELECT c.request_id, arg_max(k.caseworker_name, c.assigned_date) AS caseworker,
           arg_max(k.team, c.assigned_date) AS team
    FROM casework c JOIN caseworker k ON k.caseworker_id = c.caseworker_id
    GROUP BY c.request_id
),
needs AS (  -- primary need code (SENtypeRank 1) of each case's plan
    SELECT a.request_id, min(n.sen_type) AS need_code
    FROM active_plan a JOIN sen_need n ON n.active_plan_id = a.active_plan_id
    WHERE n.sen_type_rank = '1'
    GROUP BY a.request_id
),
settings AS (  -- every placement held under a plan, and every setting named at issue, with DfE's setting group
    SELECT x.kind, x.owner_id, x.placement_rank, x.entry_date, x.leaving_date, x.residential, x.work_based,
           x.sen_setting, x.urn, s.phase, s.school_type, s.ward_code AS school_ward_code,
           -- a URN not on the area's schools list, or listed as outside the area (in_area 0: its phase and type
           -- known, for the measures that ask), is a school elsewhere: one group, whatever its name
           coalesce(CASE WHEN coalesce(s.in_area, 1) = 1 THEN s.school_name END,
                    CASE WHEN x.urn IS NOT NULL THEN 'School outside the area' END) AS school_name,
           CASE
               WHEN x.sen_setting IN ('EHE', 'OLA', 'OPA', 'OTH', 'NEET', 'NIEC', 'NIEO') THEN 'Educated elsewhere'
               WHEN x.sen_setting = 'EYP' THEN 'Non-maintained early years'
               WHEN s.in_area = 0 THEN 'School outside the area'
               WHEN s.phase = 'Special' THEN 'Special school'
               WHEN s.phase = 'Alternative provision' THEN 'Alternative provision or pupil referral unit'
               WHEN s.phase = 'Post-16' OR (x.urn IS NULL AND x.ukprn IS NOT NULL) THEN 'Further education'
               WHEN s.phase IS NOT NULL THEN 'Mainstream school'
               WHEN x.urn IS NOT NULL THEN 'School outside the area'
               ELSE 'Not recorded'
           END AS setting
    FROM (
        SELECT 'placement' AS kind, active_plan_id AS owner_id, placement_rank, entry_date, leaving_date,
               residential, work_based, sen_setting, urn, ukprn
        FROM placement
        UNION ALL
        SELECT 'named', plan_id, placement_rank, NULL, NULL, NULL, NULL, sen_setting, urn, ukprn
        FROM plan_detail
    ) x
    LEFT JOIN dim_school s ON s.urn = x.urn
),
coverage AS (  -- SEN2 history is complete from the first year with a recorded cessation: earlier years hold
              -- only the plans that were still open then, so SEN2 families count from its 1 January
    SELECT make_date(coalesce(year(min(cease_date)), 1900), 1, 1) AS first_day FROM named_plan
),
records AS (
-- FAMILY RECORDS --
),
padded AS (  -- the columns a family leaves out, as NULL
    SELECT * FROM records
    UNION ALL BY NAME
    SELECT NULL::VARCHAR AS person_id, NULL::VARCHAR AS request_id, NULL::DATE AS age_on, NULL::INT AS pending,
           NULL::VARCHAR AS school, NULL::VARCHAR AS setting, NULL::VARCHAR AS phase, NULL::VARCHAR AS ward_code,
           NULL::VARCHAR AS sex, NULL::VARCHAR AS ethnicity, NULL::VARCHAR AS need_code,
           NULL::VARCHAR AS request_source, NULL::VARCHAR AS cease_reason, NULL::VARCHAR AS budget_type,
           NULL::VARCHAR AS advice_type, NULL::VARCHAR AS appeal_type, NULL::VARCHAR AS review_outcome,
           NULL::VARCHAR AS social_care, NULL::VARCHAR AS timeliness_band, NULL::VARCHAR[] AS counted_in
    WHERE FALSE
),
joined AS (  -- the child, the case and the place of each record, joined once
    SELECT r.* REPLACE (coalesce(r.sex, p.sex) AS sex, coalesce(r.ethnicity, p.ethnicity) AS ethnicity,
                        coalesce(r.need_code, n.need_code) AS need_code, coalesce(r.school, p.school) AS school),
           p.birth_date, o.team, o.caseworker,
           -- a row with no ward (none recorded, or a code not in the lookup) cannot be placed
           coalesce(w.ward_name, 'Ward not recorded') AS ward,
           coalesce(w.sub_icb, 'No ward recorded') AS sub_icb
    FROM padded r
    LEFT JOIN people p ON p.person_id = r.person_id
    LEFT JOIN owners o ON o.request_id = r.request_id
    LEFT JOIN needs n ON n.request_id = r.request_id
    LEFT JOIN places w ON w.ward_code = coalesce(r.ward_code, p.ward_code)
    WHERE r.person_id IS NULL OR p.person_id IS NOT NULL
),
aged AS (  -- codes to the words readers see, in one place
    SELECT * REPLACE (
           CASE sex WHEN 'F' THEN 'Female' WHEN 'M' THEN 'Male' ELSE 'Unknown' END AS sex,
           CASE
               WHEN ethnicity IN ('REFU', 'NOBT') OR ethnicity IS NULL THEN 'Unclassified'
               WHEN ethnicity = 'CHNE' THEN 'Asian or Asian British'
               WHEN ethnicity LIKE 'W%' THEN 'White'
               WHEN ethnicity LIKE 'M%' THEN 'Mixed or multiple ethnic groups'
               WHEN ethnicity LIKE 'A%' THEN 'Asian or Asian British'
               WHEN ethnicity LIKE 'B%' THEN 'Black, Black British, Caribbean or African'
               ELSE 'Other ethnic group'
           END AS ethnicity),
           CASE
               WHEN birth_date IS NULL OR age_on IS NULL THEN 'Unknown'
               WHEN date_sub('year', birth_date, age_on) < 5 THEN 'Under 5'
               WHEN date_sub('year', birth_date, age_on) < 11 THEN '5 to 10'
               WHEN date_sub('year', birth_date, age_on) < 16 THEN '11 to 15'
               WHEN date_sub('year', birth_date, age_on) < 20 THEN '16 to 19'
               ELSE '20 to 25'
           END AS age_band,
           CASE need_code
               WHEN 'ASD' THEN 'Autistic spectrum disorder'
               WHEN 'HI' THEN 'Hearing impairment'
               WHEN 'MLD' THEN 'Moderate learning difficulty'
               WHEN 'MSI' THEN 'Multi-sensory impairment'
               WHEN 'PD' THEN 'Physical disability'
               WHEN 'PMLD' THEN 'Profound and multiple learning difficulty'
               WHEN 'SEMH' THEN 'Social, emotional and mental health'
               WHEN 'SLCN' THEN 'Speech, language and communication needs'
               WHEN 'SLD' THEN 'Severe learning difficulty'
               WHEN 'SPLD' THEN 'Specific learning difficulty'
               WHEN 'VI' THEN 'Vision impairment'
               WHEN 'NSA' THEN 'No specialist assessment of need'
               WHEN 'OTH' THEN 'Other difficulty or disability'
               WHEN 'DS' THEN 'Other difficulty or disability'  -- published under "other"
               ELSE 'Unknown'
           END AS primary_need
    FROM joined
),
periods AS (
    SELECT *,
           CASE
               WHEN $monthly THEN strftime(event_date, '%Y-%m')
               WHEN $granularity = 'calendar_year' THEN strftime(event_date, '%Y')
               WHEN $granularity = 'financial_year' THEN
                   CAST(year(event_date) - (month(event_date) < 4)::INT AS VARCHAR)
                   || lpad(CAST((year(event_date) - (month(event_date) < 4)::INT + 1) % 100 AS VARCHAR), 2, '0')
               ELSE  -- academic year (a January census belongs to the academic year it falls in)
                   CAST(year(event_date) - (month(event_date) < 9)::INT AS VARCHAR)
                   || lpad(CAST((year(event_date) - (month(event_date) < 9)::INT + 1) % 100 AS VARCHAR), 2, '0')
           END AS period
    FROM aged
    WHERE event_date IS NOT NULL
      -- drill-down: one ward, school or primary need ('' keeps everyone)
      AND ($only_ward = '' OR ward = $only_ward)
      AND ($only_school = '' OR school = $only_school)
      AND ($only_primary_need = '' OR primary_need = $only_primary_need)
),
cells AS (  -- each record once under every breakdown asked for (the column of that name): all from one pass
    SELECT period, asked, breakdown_value, numerator, denominator, pending
    FROM (SELECT *, 'Total' AS "Total" FROM periods WHERE $period = '' OR period = $period)
         UNPIVOT INCLUDE NULLS (breakdown_value FOR asked IN (COLUMNS($breakdowns)))
    WHERE (counted_in IS NULL OR list_contains(counted_in, asked))
      -- only the breakdowns this frame builds: any other column name stops the query (the engine refuses it
      -- first; never a guess)
      AND CASE WHEN list_bool_and(list_transform($breakdowns, lambda asked: asked IN (
                   'Total', 'sex', 'ethnicity', 'ward', 'school', 'age_band', 'primary_need', 'setting', 'phase',
                   'team', 'caseworker', 'sub_icb',
                   -- the family's own
                   'request_source', 'cease_reason', 'budget_type', 'advice_type', 'appeal_type', 'review_outcome',
                   'social_care', 'timeliness_band')))
               THEN TRUE ELSE error('no local breakdown ' || array_to_string($breakdowns, ', ')) END
),
grouped AS (
    SELECT asked, period, grouping(breakdown_value) AS is_total, breakdown_value,
           sum(numerator) AS num, sum(denominator) AS den, sum(coalesce(pending, 0)) AS pend
    FROM cells
    GROUP BY GROUPING SETS ((asked, period), (asked, period, breakdown_value))
),
shared AS (
    SELECT *, max(num) FILTER (WHERE is_total = 1) OVER (PARTITION BY asked, period) AS period_total,
           -- clocks still running anywhere in the period's cohort make every row of the period provisional
           max(pend) FILTER (WHERE is_total = 1) OVER (PARTITION BY asked, period) AS period_pending
    FROM grouped
    WHERE is_total = 1
       OR (asked <> 'Total' AND (breakdown_value IS NOT NULL OR num <> 0))  -- not the rows a measure leaves out
)
SELECT asked,  -- the breakdown asked for: the engine splits the rows into one frame each
       period,
       $area_code AS area_code,
       $area_name AS area_name,
       CASE WHEN is_total = 1 THEN 'Total' ELSE asked END AS breakdown,
       CASE WHEN is_total = 1 THEN 'Total' ELSE coalesce(breakdown_value, 'Unknown') END AS breakdown_value,
       num AS numerator,
       CASE $value WHEN 'count' THEN NULL WHEN 'share' THEN period_total ELSE den END AS denominator,
       CASE $value
           WHEN 'count' THEN num
           WHEN 'share' THEN CASE WHEN period_total > 0 THEN 100.0 * num / period_total END
           WHEN 'percent' THEN CASE WHEN den > 0 THEN 100.0 * num / den END
           WHEN 'mean' THEN CASE WHEN den > 0 THEN num / den END
           WHEN 'rate' THEN CASE WHEN den > 0 THEN $scale * num / den END
       END AS value,
       CASE
           WHEN $value IN ('percent', 'mean', 'rate') AND coalesce(den, 0) = 0 THEN 'z'
           ELSE 'value'
       END AS status,
       period_pending AS pending,
       period_pending > 0 AS provisional
FROM shared
ORDER BY asked, period, is_total DESC, breakdown_value
