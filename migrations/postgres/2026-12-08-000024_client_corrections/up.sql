-- A client record corrected by the facility that keeps it (its care office; for a patient without
-- one, a facility of their stays): the identity before the correction is kept here with who
-- corrected it, when and why, so that nothing is lost and a sheet sent before can be explained.
CREATE TABLE client_corrections (
    id           TEXT PRIMARY KEY NOT NULL,
    client_id    TEXT NOT NULL REFERENCES clients (id),
    previous     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    corrected_by TEXT NOT NULL REFERENCES users (id),
    corrected_at TIMESTAMP NOT NULL
);
CREATE INDEX client_corrections_client ON client_corrections (client_id);
