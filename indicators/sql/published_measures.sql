-- One area's published figures of one DfE dataset and period: every measure of the all-children row
-- (the SEN2 reconciliation sets them beside the figures computed from the council's own records).
-- Bound parameters: $dataset, $topic (the all-children breakdown topic), $area, $period.
SELECT measure, value, value_text, status
FROM national_fact
WHERE dataset = $dataset AND breakdown_topic = $topic AND breakdown = $topic
  AND area_code = $area AND time_period = $period
ORDER BY measure
