-- An administrator may disable a user (and enable them again): sign-in, sessions and API tokens
-- are refused while disabled_at is set; the user, their records and the audit log stay.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;
