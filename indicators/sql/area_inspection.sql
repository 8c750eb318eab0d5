-- Area SEND inspection outcomes (Ofsted and CQC) for every LA, as a grade per calendar year of publication:
-- 2023 framework: 1 typically positive experiences and outcomes, 2 inconsistent experiences and outcomes,
-- 3 widespread and/or systemic failings; 2016 framework: 1 no written statement of action, 3 a written
-- statement of action required. The latest inspection published in a year stands for that year.
-- Called like national.sql; of its parameters only the area, periods and breakdown are used.
WITH graded AS (
    SELECT CAST(year(publication_date) AS VARCHAR) AS period, la_code AS area_code, la_name AS area_name,
           publication_date,
           CASE
               WHEN lower(outcome) LIKE 'typically positive%' THEN 1
               WHEN lower(outcome) LIKE 'inconsistent%' THEN 2
               WHEN lower(outcome) LIKE 'widespread%' OR lower(outcome) LIKE '%systemic%' THEN 3
               WHEN lower(outcome) LIKE 'no written statement%' THEN 1
               WHEN lower(outcome) LIKE 'written statement%' THEN 3
           END AS grade
    FROM area_inspection
    WHERE publication_date IS NOT NULL
      AND ($area = '' OR la_code = $area)
)
SELECT period, area_code, arg_max(area_name, publication_date) AS area_name, $breakdown AS breakdown,
       'Total' AS breakdown_value, NULL::DOUBLE AS numerator, NULL::DOUBLE AS denominator,
       CAST(arg_max(grade, publication_date) AS DOUBLE) AS value,
       CASE WHEN arg_max(grade, publication_date) IS NULL THEN 'x' ELSE 'value' END AS status
FROM graded
WHERE len($periods) = 0 OR list_contains($periods, period)
GROUP BY period, area_code
ORDER BY period, area_code
