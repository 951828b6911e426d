-- The index on episodes.hospital_id serves no query: a hospital's stays are found through
-- episode_parties (indexed by facility), an open stay by its client (episodes_client), and the
-- survey groups by hospital only the stays it has already found by day. Facilities are never
-- deleted, so no foreign-key check looks stays up by hospital either. Building it again was a
-- third of the time of importing a million stays (docs/performance.md), and every stay written
-- kept it up for nothing.
DROP INDEX episodes_hospital;
