-- Pathway B: the day (a day number, days since 1970-01-01) on which a 地域包括支援センター first
-- assigned a care office to a stay whose client had none at admission. Such a stay stays outside
-- the survey's rate cohorts (its client had no care office at admission) and is counted among
-- the patients without a care manager instead. Stays assigned before this column existed get the
-- day of their first assignment.
ALTER TABLE episodes ADD COLUMN care_assigned_day INTEGER;
UPDATE episodes SET care_assigned_day = first.day
FROM (SELECT episode_id, MIN(assigned_on) - DATE '1970-01-01' AS day FROM care_assignments GROUP BY episode_id) AS first
WHERE episodes.id = first.episode_id;
