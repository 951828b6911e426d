-- Who was assigned to a stay as its care office and care manager, and from which day: on
-- pathway B (a patient without a care manager) the 地域包括支援センター that received the
-- hospital's 入院連絡 assigns them, and the stay has them from that day (docs/api.md).
CREATE TABLE care_assignments (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    episode_id      TEXT COLLATE "C" NOT NULL REFERENCES episodes (id),
    care_office_id  TEXT COLLATE "C" NOT NULL REFERENCES facilities (id),
    care_manager_id TEXT COLLATE "C" REFERENCES users (id),
    assigned_on     DATE NOT NULL,
    assigned_by     TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX care_assignments_episode ON care_assignments (episode_id);
