-- The survey at the scale of a prefecture over a decade (docs/survey.md, "Daily counts").
--
-- One index on (admitted_day, discharged_day) replaces the one on admitted_day: it serves the
-- same searches and answers "still in hospital after day X" without reading the stays' rows.
-- The daily counts that SQLite keeps (survey_days) are not kept here: PostgreSQL counts the
-- stays directly, with parallel scans, within the goal, and needs no write to serialise on them.
DROP INDEX episodes_admitted_day;
CREATE INDEX episodes_admitted_discharged ON episodes (admitted_day, discharged_day);
