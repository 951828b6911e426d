-- The survey's channels: how each stay's first counted contact was made, kept in its contact
-- summary beside the first day (so the survey reads no contacts). A method is its rank in
-- Method::FIRST_CONTACT_ORDER (system 0, visit 1, conference 2, video 3, phone 4, fax 5, mail 6):
-- the first among the contacts of the first day, or among the undated ones. Worked out here
-- from the contacts on record.
ALTER TABLE episodes ADD COLUMN first_admission_info_method INTEGER;
ALTER TABLE episodes ADD COLUMN undated_admission_info_method INTEGER;
ALTER TABLE episodes ADD COLUMN first_discharge_contact_method INTEGER;
UPDATE episodes SET first_admission_info_method = (
    SELECT MIN(CASE c.method WHEN 'system' THEN 0 WHEN 'visit' THEN 1 WHEN 'conference' THEN 2 WHEN 'video' THEN 3
                             WHEN 'phone' THEN 4 WHEN 'fax' THEN 5 WHEN 'mail' THEN 6 END)
    FROM contacts c
    WHERE c.episode_id = episodes.id AND c.direction = 'cm_to_hospital' AND c.kind = 'admission_info'
      AND c.contacted_day = episodes.first_admission_info_day
) WHERE first_admission_info_day IS NOT NULL;
UPDATE episodes SET undated_admission_info_method = (
    SELECT MIN(CASE c.method WHEN 'system' THEN 0 WHEN 'visit' THEN 1 WHEN 'conference' THEN 2 WHEN 'video' THEN 3
                             WHEN 'phone' THEN 4 WHEN 'fax' THEN 5 WHEN 'mail' THEN 6 END)
    FROM contacts c
    WHERE c.episode_id = episodes.id AND c.direction = 'cm_to_hospital' AND c.kind = 'admission_info'
      AND c.contacted_day IS NULL
) WHERE undated_admission_info;
UPDATE episodes SET first_discharge_contact_method = (
    SELECT MIN(CASE c.method WHEN 'system' THEN 0 WHEN 'visit' THEN 1 WHEN 'conference' THEN 2 WHEN 'video' THEN 3
                             WHEN 'phone' THEN 4 WHEN 'fax' THEN 5 WHEN 'mail' THEN 6 END)
    FROM contacts c
    WHERE c.episode_id = episodes.id AND c.direction = 'hospital_to_cm'
      AND c.kind IN ('discharge_notice', 'discharge_conference', 'discharge_referral')
      AND c.contacted_day = episodes.first_discharge_contact_day
) WHERE first_discharge_contact_day IS NOT NULL;
