-- PostgreSQL indexes the contacts that name a document or a recorder, for its foreign-key
-- checks after a large import (see the PostgreSQL migration of the same name). SQLite does not
-- check foreign keys during a large import (import::store::references_checked_here): nothing to
-- do here; the migration exists so that both engines have the same schema versions.
SELECT 1;
