ALTER TABLE episodes DROP COLUMN care_assigned_day;
