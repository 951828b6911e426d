-- Files attached to a document, or to a draft until it is sent (PDF, JPEG or PNG, recognised by
-- their first bytes; at most 10 MiB each and 30 MiB for one document or draft). The bytes are
-- kept in the database, beside the document they belong to, so that a backup (pg_dump) and a
-- restore carry them with everything else, in the same snapshot: no folder of files to copy
-- and keep consistent by hand (docs/reliability.md). A draft's files go when the draft is
-- thrown away, and move to the document when it is sent.
CREATE TABLE attachments (
    id            TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    document_id   TEXT COLLATE "C" REFERENCES documents (id),
    draft_id      TEXT COLLATE "C" REFERENCES drafts (id) ON DELETE CASCADE,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size          INTEGER NOT NULL CHECK (size > 0 AND size <= 10485760),
    sha256        TEXT NOT NULL,
    bytes         BYTEA NOT NULL,
    uploaded_by   TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    uploaded_at   TIMESTAMP NOT NULL,
    CHECK ((document_id IS NULL) <> (draft_id IS NULL))
);
-- PDF, JPEG and PNG are compressed already: kept out of line without trying to compress them again.
ALTER TABLE attachments ALTER COLUMN bytes SET STORAGE EXTERNAL;
CREATE INDEX attachments_document ON attachments (document_id) WHERE document_id IS NOT NULL;
CREATE INDEX attachments_draft ON attachments (draft_id) WHERE draft_id IS NOT NULL;
