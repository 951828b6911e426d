ALTER TABLE documents DROP COLUMN first_delivered_at;
ALTER TABLE documents DROP COLUMN delivered_revision;
DROP TABLE outbox;
DROP TABLE reminders;
