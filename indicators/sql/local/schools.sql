-- Schools and settings on the area's list (dim_school) that stand in the area (not those listed as outside it,
-- in_area 0), dated at the warehouse's reference date; a school's ward is where it stands.
-- $measure:
--   good_outstanding   % of graded schools and settings whose latest Ofsted grade is 1 or 2
SELECT CAST($reference_date AS DATE) AS event_date,
       (s.ofsted_grade IN ('1', '2'))::INT AS numerator, 1 AS denominator,
       s.school_name AS school, s.phase, s.ward_code
FROM dim_school s
WHERE $measure = 'good_outstanding' AND s.ofsted_grade IS NOT NULL AND coalesce(s.in_area, 1) = 1
