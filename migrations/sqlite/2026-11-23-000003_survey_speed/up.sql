-- The survey at the scale of a prefecture over a decade (docs/survey.md, "Daily counts").
--
-- One index on (admitted_day, discharged_day) replaces the one on admitted_day: it serves the
-- same searches and answers "still in hospital after day X" without reading the stays' rows.
DROP INDEX episodes_admitted_day;
CREATE INDEX episodes_admitted_discharged ON episodes (admitted_day, discharged_day);

-- Per day and side, how many stays with a care office fall in each bucket, before the rules'
-- exclusions: the admission side by admission day (bucket of the first admission sheet), the
-- discharge side by discharge day (bucket and lead of the first discharge contact, the lead
-- capped to -1..61). Kept up to date in the same transaction as every write to a stay or its
-- contacts (survey::store::daily), so that a survey sums at most a few rows per day.
-- SQLite only: PostgreSQL counts the stays directly (docs/survey.md says why).
CREATE TABLE survey_days (
    side             TEXT NOT NULL CHECK (side IN ('admission', 'discharge')),
    day              INTEGER NOT NULL,
    bucket           TEXT NOT NULL,
    lead_days        INTEGER NOT NULL,
    marked_excluded  BOOLEAN NOT NULL,
    planned_respite  BOOLEAN NOT NULL,
    stays            INTEGER NOT NULL,
    PRIMARY KEY (side, day, bucket, lead_days, marked_excluded, planned_respite)
) WITHOUT ROWID;

-- The stays already stored, counted with the same expressions as survey::store.
INSERT INTO survey_days (side, day, bucket, lead_days, marked_excluded, planned_respite, stays)
SELECT 'admission', e.admitted_day,
       CASE WHEN e.first_admission_info_day IS NOT NULL
                 AND e.first_admission_info_day <= COALESCE(e.discharged_day, 2147483647) THEN
              CASE WHEN e.first_admission_info_day - e.admitted_day <= 0 THEN 'same_day'
                   WHEN e.first_admission_info_day - e.admitted_day <= 2 THEN 'day_2_3'
                   ELSE 'later' END
            WHEN e.undated_admission_info THEN 'unknown'
            ELSE 'none' END,
       -1, e.excluded, e.planned_respite, COUNT(*)
FROM episodes e
WHERE e.care_office_id IS NOT NULL
GROUP BY 2, 3, 4, 5, 6;

INSERT INTO survey_days (side, day, bucket, lead_days, marked_excluded, planned_respite, stays)
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
       e.excluded, e.planned_respite, COUNT(*)
FROM episodes e
WHERE e.care_office_id IS NOT NULL AND e.discharged_day IS NOT NULL
GROUP BY 2, 3, 4, 5, 6;
