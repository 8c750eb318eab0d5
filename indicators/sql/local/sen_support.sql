-- Pupils on SEN support from the January school census (one row per pupil and census date).
-- $measure:
--   pupils       pupils on SEN support at each census, a count; the census gives each pupil's sex, ethnicity,
--                need and ward of residence (pupils are not in `person`), phase from the national curriculum year
--   prevalence   % of pupils on roll at each listed school in the area who have SEN: SEN support pupils at the census
--                plus EHC plans whose rank-1 placement open on the census date is the school, over the
--                school's number on roll; ward and phase are the school's
WITH censuses AS (
    SELECT DISTINCT census_date FROM sen_support
),
support AS (
    SELECT s.census_date, 1 AS numerator, s.urn, s.ncyear, s.sex, s.ethnicity, s.primary_need AS need_code,
           s.ward_code
    FROM sen_support s
),
placed AS (  -- EHC plans placed at each school on each census date (prevalence only)
    SELECT c.census_date, 1 AS numerator, pl.urn
    FROM censuses c
    JOIN named_plan np ON np.start_date <= c.census_date AND (np.cease_date IS NULL OR np.cease_date > c.census_date)
    JOIN assessment a ON a.assessment_id = np.assessment_id
    JOIN active_plan ap ON ap.request_id = a.request_id
    JOIN placement pl ON pl.active_plan_id = ap.active_plan_id AND pl.placement_rank = '1'
                     AND coalesce(pl.entry_date, c.census_date) <= c.census_date
                     AND (pl.leaving_date IS NULL OR pl.leaving_date >= c.census_date)
    WHERE $measure = 'prevalence' AND pl.urn IS NOT NULL
)
SELECT s.census_date AS event_date, s.numerator, NULL AS denominator,
       s.need_code, s.sex, s.ethnicity, s.ward_code, coalesce(d.school_name, 'No school recorded') AS school,
       CASE
           WHEN s.ncyear IN ('N1', 'N2') THEN 'Nursery'
           WHEN s.ncyear IN ('R', '1', '2', '3', '4', '5', '6') THEN 'Primary'
           WHEN s.ncyear IN ('7', '8', '9', '10', '11') THEN 'Secondary'
           WHEN s.ncyear IN ('12', '13', '14') THEN 'Post-16'
           ELSE 'Unknown'
       END AS phase
FROM support s
LEFT JOIN dim_school d ON d.urn = s.urn
WHERE $measure = 'pupils'
UNION ALL BY NAME
SELECT x.census_date AS event_date, x.numerator, x.denominator, d.ward_code, d.school_name AS school, d.phase
FROM (
    SELECT census_date, numerator, 0 AS denominator, urn FROM support
    UNION ALL
    SELECT census_date, numerator, 0, urn FROM placed
    UNION ALL
    SELECT c.census_date, 0, d.number_on_roll, d.urn FROM censuses c CROSS JOIN dim_school d
) x
JOIN dim_school d ON d.urn = x.urn AND d.number_on_roll > 0 AND coalesce(d.in_area, 1) = 1  -- the area's own
WHERE $measure = 'prevalence'
