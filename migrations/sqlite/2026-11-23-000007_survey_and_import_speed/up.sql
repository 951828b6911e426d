-- Imports merge each stay's contact summary from the rows they read, no longer from the
-- contacts of their batch: the index on contacts.import_batch, which only that used, goes
-- (one index less to keep up for each of millions of imported contacts). The column stays.
-- (PostgreSQL also gets the survey's daily counts here; SQLite has had them since
-- 2026-11-23-000003_survey_speed.)
DROP INDEX contacts_import_batch;
