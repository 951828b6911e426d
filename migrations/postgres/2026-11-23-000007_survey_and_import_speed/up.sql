-- The survey's daily counts on PostgreSQL too (docs/survey.md, "Daily counts"), kept without
-- hot rows: a write that changes what a stay counts as only INSERTs delta rows (its old counts
-- with a negative number of stays, its new ones with a positive number), never UPDATEs a
-- count, so concurrent writers never queue on one another here. A survey sums the rows of its
-- days. `compacted` is FALSE on the rows writers add; compaction (survey::store::daily::compact,
-- run by imports and by the worker) replaces the rows of each day that has fresh ones by their
-- sums in one statement, so the table stays at about SQLite's size.
CREATE TABLE survey_days (
    side             TEXT NOT NULL CHECK (side IN ('admission', 'discharge')),
    day              INTEGER NOT NULL,
    bucket           TEXT NOT NULL,
    lead_days        INTEGER NOT NULL,
    marked_excluded  BOOLEAN NOT NULL,
    planned_respite  BOOLEAN NOT NULL,
    stays            INTEGER NOT NULL,
    compacted        BOOLEAN NOT NULL
);
CREATE INDEX survey_days_side_day ON survey_days (side, day);
-- Finds the days with fresh rows without reading the others.
CREATE INDEX survey_days_fresh ON survey_days (side, day) WHERE NOT compacted;

-- The stays already stored, counted with the same expressions as survey::store.
INSERT INTO survey_days (side, day, bucket, lead_days, marked_excluded, planned_respite, stays, compacted)
SELECT 'admission', e.admitted_day,
       CASE WHEN e.first_admission_info_day IS NOT NULL
                 AND e.first_admission_info_day <= COALESCE(e.discharged_day, 2147483647) THEN
              CASE WHEN e.first_admission_info_day - e.admitted_day <= 0 THEN 'same_day'
                   WHEN e.first_admission_info_day - e.admitted_day <= 2 THEN 'day_2_3'
                   ELSE 'later' END
            WHEN e.undated_admission_info THEN 'unknown'
            ELSE 'none' END,
       -1, e.excluded, e.planned_respite, COUNT(*), TRUE
FROM episodes e
WHERE e.care_office_id IS NOT NULL
GROUP BY 2, 3, 4, 5, 6;

INSERT INTO survey_days (side, day, bucket, lead_days, marked_excluded, planned_respite, stays, compacted)
SELECT 'discharge', e.discharged_day,
       CASE WHEN e.destination = 'death' THEN 'died'
            WHEN e.first_discharge_contact_day IS NOT NULL THEN
              CASE WHEN e.discharged_day - e.first_discharge_contact_day >= 8 THEN '8+'
                   WHEN e.discharged_day - e.first_discharge_contact_day >= 5 THEN '5-7'
                   WHEN e.discharged_day - e.first_discharge_contact_day >= 2 THEN '2-4'
                   WHEN e.discharged_day - e.first_discharge_contact_day = 1 THEN '1'
                   WHEN e.discharged_day - e.first_discharge_contact_day = 0 THEN '0'
                   ELSE 'after' END
            WHEN e.undated_discharge_contact THEN 'unknown'
            ELSE 'none' END,
       CASE WHEN e.first_discharge_contact_day IS NULL THEN -1
            WHEN e.discharged_day - e.first_discharge_contact_day < 0 THEN -1
            WHEN e.discharged_day - e.first_discharge_contact_day > 61 THEN 61
            ELSE e.discharged_day - e.first_discharge_contact_day END,
       e.excluded, e.planned_respite, COUNT(*), TRUE
FROM episodes e
WHERE e.care_office_id IS NOT NULL AND e.discharged_day IS NOT NULL
GROUP BY 2, 3, 4, 5, 6;

-- Imports merge each stay's contact summary from the rows they read, no longer from the
-- contacts of their batch: the index on contacts.import_batch, which only that used, goes.
DROP INDEX contacts_import_batch;
