-- The survey's patients without a care manager (pathway B) are a few stays among many: this
-- index holds only them, by admission day, so that counting them reads them alone (found through
-- the day index among all stays, a decade of a million took seconds on SQLite). The survey's
-- query repeats this condition word for word, as SQLite needs to use a partial index.
CREATE INDEX episodes_without_care_office ON episodes (admitted_day)
    WHERE care_office_id IS NULL OR care_assigned_day IS NOT NULL;
