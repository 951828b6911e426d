-- A client's 要介護度 by date: the record keeps each level with the day it applies from (a new
-- certification, a 区分変更), so that what a sheet said at an admission can be read against what
-- the record said then. clients.care_level stays the latest. The levels on record start their
-- history from the day the client was registered.
CREATE TABLE client_care_levels (
    id          TEXT PRIMARY KEY NOT NULL,
    client_id   TEXT NOT NULL REFERENCES clients (id),
    care_level  TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX client_care_levels_client ON client_care_levels (client_id, valid_from);
INSERT INTO client_care_levels (id, client_id, care_level, valid_from, recorded_by, recorded_at)
SELECT id, id, care_level, date(created_at), NULL, created_at FROM clients WHERE care_level IS NOT NULL;
