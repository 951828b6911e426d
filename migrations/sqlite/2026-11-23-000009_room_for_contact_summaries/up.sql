-- PostgreSQL leaves room on each page of stays for a second version of its rows (see the
-- PostgreSQL migration of the same name). SQLite updates rows in place: nothing to do here; the
-- migration exists so that both engines have the same schema versions.
SELECT 1;
