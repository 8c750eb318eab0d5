-- The child-level rows behind a local figure: one family's records (the same rows `_frame.sql` counts),
-- with the child's name, dated between $first and $last, and what places each row in a breakdown the
-- SEN2 tables use (setting, primary need code, cease reason, review outcome, timeliness band). Officers only
-- (Engine.local_records). The engine puts the shared lookups of `_frame.sql` (everything before its
-- `records`) where the first marker is and the family file where the second is: files of this folder only.
-- SHARED LOOKUPS --
records AS (
-- FAMILY RECORDS --
),
padded AS (  -- the columns a family leaves out, as NULL
    SELECT * FROM records
    UNION ALL BY NAME
    SELECT NULL::VARCHAR AS request_id, NULL::INT AS pending, NULL::VARCHAR AS setting, NULL::VARCHAR AS need_code,
           NULL::VARCHAR AS cease_reason, NULL::VARCHAR AS review_outcome, NULL::VARCHAR AS timeliness_band
    WHERE FALSE
)
SELECT r.event_date, r.person_id, p.forename, p.surname, r.request_id, r.numerator, r.denominator,
       coalesce(r.pending, 0) AS pending, r.setting, coalesce(r.need_code, n.need_code) AS need_code,
       r.cease_reason, r.review_outcome, r.timeliness_band
FROM padded r
JOIN person p ON p.person_id = r.person_id
LEFT JOIN needs n ON n.request_id = r.request_id
WHERE r.event_date BETWEEN $first AND $last
ORDER BY r.event_date, r.person_id, r.request_id
