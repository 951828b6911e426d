-- Foundation: directory, clients, episodes, documents, contacts.
-- IDs are UUIDv7 text made in Rust; times are UTC; dates are calendar dates in Japan.

CREATE TABLE facilities (
    id          TEXT PRIMARY KEY NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('hospital', 'care_office', 'support_center', 'small_multi', 'city')),
    area        TEXT,
    in_city     BOOLEAN NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE contact_windows (
    id            TEXT PRIMARY KEY NOT NULL,
    facility_id   TEXT NOT NULL REFERENCES facilities (id),
    label         TEXT NOT NULL,
    email         TEXT,
    phone         TEXT,
    fax           TEXT,
    hours_note    TEXT,
    position      INTEGER NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX contact_windows_facility ON contact_windows (facility_id);

CREATE TABLE users (
    id           TEXT PRIMARY KEY NOT NULL,
    facility_id  TEXT NOT NULL REFERENCES facilities (id),
    name         TEXT NOT NULL,
    email        TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('discharge_nurse', 'care_manager', 'coordinator', 'admin')),
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX users_facility ON users (facility_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE clients (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    name_kana         TEXT NOT NULL,
    birth_date        DATE NOT NULL,
    sex               TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    insurance_number  TEXT,
    care_level        TEXT,
    care_office_id    TEXT REFERENCES facilities (id),
    care_manager_id   TEXT REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX clients_care_office ON clients (care_office_id);
CREATE INDEX clients_insurance_number ON clients (insurance_number);

-- A stay. Stays exchanged in Renkei belong to a client; stays imported from records kept
-- outside Renkei (paper surveys, spreadsheets) carry only the source's client_ref and take part
-- in the survey, not in the exchange. Dates are also kept as day numbers (days since
-- 1970-01-01) so that the survey's day arithmetic is the same SQL on both engines, and the
-- first contacts of each side are summarised here when contacts are written.
CREATE TABLE episodes (
    id                           TEXT PRIMARY KEY NOT NULL,
    client_id                    TEXT REFERENCES clients (id),
    client_ref                   TEXT,
    hospital_id                  TEXT NOT NULL REFERENCES facilities (id),
    care_office_id               TEXT REFERENCES facilities (id),
    care_manager_id              TEXT REFERENCES users (id),
    care_level                   TEXT,
    admitted_on                  DATE NOT NULL,
    admitted_day                 INTEGER NOT NULL,
    admitted_at                  TIMESTAMP,
    planned_discharge_on         DATE,
    discharged_on                DATE,
    discharged_day               INTEGER,
    destination                  TEXT CHECK (destination IN ('home', 'facility', 'transfer', 'death')),
    excluded                     BOOLEAN NOT NULL DEFAULT 0,
    planned_respite              BOOLEAN NOT NULL DEFAULT 0,
    first_admission_info_day     INTEGER,
    undated_admission_info       BOOLEAN NOT NULL DEFAULT 0,
    first_discharge_contact_day  INTEGER,
    undated_discharge_contact    BOOLEAN NOT NULL DEFAULT 0,
    external_ref                 TEXT UNIQUE,
    created_by                   TEXT REFERENCES users (id),
    created_at                   TIMESTAMP NOT NULL,
    updated_at                   TIMESTAMP NOT NULL,
    CHECK (client_id IS NOT NULL OR client_ref IS NOT NULL),
    CHECK (discharged_on IS NULL OR discharged_on >= admitted_on)
);
CREATE INDEX episodes_client ON episodes (client_id);
CREATE INDEX episodes_hospital ON episodes (hospital_id);
CREATE INDEX episodes_admitted_day ON episodes (admitted_day);
CREATE INDEX episodes_discharged_day ON episodes (discharged_day);

-- Which facilities take part in an episode: the hospital, the client's care office, and every
-- sender and recipient of a document about it. A stay is visible to its parties; a document to
-- its sender and recipient; a client to their care office and the parties of their stays.
CREATE TABLE episode_parties (
    episode_id   TEXT NOT NULL REFERENCES episodes (id),
    facility_id  TEXT NOT NULL REFERENCES facilities (id),
    PRIMARY KEY (episode_id, facility_id)
);
CREATE INDEX episode_parties_facility ON episode_parties (facility_id);

CREATE TABLE documents (
    id                      TEXT PRIMARY KEY NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('admission_info', 'discharge_notice')),
    episode_id              TEXT NOT NULL REFERENCES episodes (id),
    sender_facility_id      TEXT NOT NULL REFERENCES facilities (id),
    sender_user_id          TEXT NOT NULL REFERENCES users (id),
    recipient_facility_id   TEXT NOT NULL REFERENCES facilities (id),
    current_revision        INTEGER NOT NULL,
    sent_at                 TIMESTAMP NOT NULL,
    read_revision           INTEGER,
    first_read_at           TIMESTAMP,
    acknowledged_at         TIMESTAMP,
    acknowledged_by         TEXT REFERENCES users (id),
    acknowledged_revision   INTEGER
);
CREATE INDEX documents_recipient ON documents (recipient_facility_id, sent_at);
CREATE INDEX documents_sender ON documents (sender_facility_id, sent_at);
CREATE INDEX documents_episode ON documents (episode_id);

-- Every revision of a document, never updated: an amendment adds a row.
CREATE TABLE document_revisions (
    document_id      TEXT NOT NULL REFERENCES documents (id),
    revision         INTEGER NOT NULL,
    schema_version   INTEGER NOT NULL,
    payload          TEXT NOT NULL,
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (document_id, revision)
);

CREATE TABLE contacts (
    id                TEXT PRIMARY KEY NOT NULL,
    episode_id        TEXT NOT NULL REFERENCES episodes (id),
    direction         TEXT NOT NULL CHECK (direction IN ('cm_to_hospital', 'hospital_to_cm')),
    kind              TEXT NOT NULL CHECK (kind IN ('admission_info', 'admission_notice', 'discharge_notice', 'discharge_conference', 'discharge_referral', 'discharge_record', 'other')),
    method            TEXT NOT NULL CHECK (method IN ('system', 'fax', 'phone', 'visit', 'mail', 'video', 'conference')),
    contacted_on      DATE,
    contacted_day     INTEGER,
    contacted_at      TIMESTAMP,
    document_id       TEXT REFERENCES documents (id),
    recorded_by       TEXT REFERENCES users (id),
    import_key        TEXT UNIQUE,
    import_batch      TEXT,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX contacts_episode ON contacts (episode_id);
CREATE INDEX contacts_import_batch ON contacts (import_batch);
