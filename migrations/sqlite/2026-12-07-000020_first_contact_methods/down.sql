ALTER TABLE episodes DROP COLUMN first_discharge_contact_method;
ALTER TABLE episodes DROP COLUMN undated_admission_info_method;
ALTER TABLE episodes DROP COLUMN first_admission_info_method;
