CREATE INDEX contacts_import_batch ON contacts (import_batch);
DROP TABLE survey_days;
