CREATE INDEX episodes_hospital ON episodes (hospital_id);
