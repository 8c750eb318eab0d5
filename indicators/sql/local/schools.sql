-- Schools and settings on the area's list (dim_school), dated at the warehouse's reference date.
-- $measure:
--   good_outstanding   % of graded schools and settings whose latest Ofsted grade is 1 or 2
SELECT CAST($reference_date AS DATE) AS event_date,
       (s.ofsted_grade IN ('1', '2'))::INT AS numerator, 1 AS denominator,
       NULL::DATE AS birth_date, NULL::DATE AS age_on, NULL::VARCHAR AS need_code, NULL::VARCHAR AS sex,
       NULL::VARCHAR AS ethnicity, coalesce(w.ward_name, 'Ward not recorded') AS ward, s.school_name AS school,
       NULL::VARCHAR AS setting, s.phase, NULL::VARCHAR AS team, NULL::VARCHAR AS caseworker,
       NULL::VARCHAR AS detail
FROM dim_school s
LEFT JOIN (SELECT DISTINCT ON (ward_code) ward_code, ward_name FROM dim_ward) w ON w.ward_code = s.ward_code
WHERE $measure = 'good_outstanding' AND s.ofsted_grade IS NOT NULL
