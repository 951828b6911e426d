-- A discharge recorded by mistake is corrected (another date or destination) or withdrawn (the
-- patient is still in hospital) by its hospital, with a reason. Nothing is deleted: each
-- correction keeps what the stay said before, what it says now (NULL: withdrawn), why and who.
CREATE TABLE discharge_corrections (
    id                      TEXT PRIMARY KEY NOT NULL,
    episode_id              TEXT NOT NULL REFERENCES episodes (id),
    previous_discharged_on  DATE NOT NULL,
    previous_destination    TEXT,
    discharged_on           DATE,
    destination             TEXT,
    reason                  TEXT NOT NULL,
    corrected_by            TEXT NOT NULL REFERENCES users (id),
    corrected_at            TIMESTAMP NOT NULL
);
CREATE INDEX discharge_corrections_episode ON discharge_corrections (episode_id);
