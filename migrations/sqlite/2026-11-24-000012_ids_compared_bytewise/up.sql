-- PostgreSQL compares ids byte by byte from this migration on (see the PostgreSQL migration of
-- the same name). SQLite always compares text byte by byte (its BINARY collation): nothing to do
-- here; the migration exists so that both engines have the same schema versions.
SELECT 1;
