-- Pathway B: the day (a day number, days since 1970-01-01) on which a 地域包括支援センター first
-- assigned a care office to a stay whose client had none at admission. Such a stay stays outside
-- the survey's rate cohorts (its client had no care office at admission) and is counted among
-- the patients without a care manager instead. Stays assigned before this column existed get the
-- day of their first assignment.
ALTER TABLE episodes ADD COLUMN care_assigned_day INTEGER;
UPDATE episodes SET care_assigned_day = (
    SELECT MIN(CAST(julianday(a.assigned_on) - julianday('1970-01-01') AS INTEGER))
    FROM care_assignments a WHERE a.episode_id = episodes.id
) WHERE id IN (SELECT episode_id FROM care_assignments);
