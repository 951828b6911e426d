DROP INDEX episodes_admitted_discharged;
CREATE INDEX episodes_admitted_day ON episodes (admitted_day);
