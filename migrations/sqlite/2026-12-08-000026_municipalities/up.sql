-- A region, not a city: the municipalities (市町村) of the deployment as data. A stay is judged by
-- the handbook rules of its client's municipality in force on its admission date; a stay of no
-- municipality, or of one with no rules of its own then, by the deployment's (HANDBOOK_RULES).
CREATE TABLE municipalities (
    code       TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Each municipality's rule sets over time: the rule set (`default.v1`, `seven-days`) in force
-- from `effective_from` until the next entry's. 1900-01-01 stands for "from the start".
CREATE TABLE municipality_rules (
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    effective_from    DATE NOT NULL,
    rules             TEXT NOT NULL,
    recorded_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (municipality_code, effective_from)
);
-- The municipality a client is insured by (their 保険者, usually where they live).
ALTER TABLE clients ADD COLUMN municipality_code TEXT REFERENCES municipalities (code);
-- Where a facility is.
ALTER TABLE facilities ADD COLUMN municipality_code TEXT REFERENCES municipalities (code);
-- The municipality of the stay's client (their 保険者) at admission. No foreign key: stays are
-- written in bulk by the import, which checks the code itself.
ALTER TABLE episodes ADD COLUMN municipality_code TEXT;
