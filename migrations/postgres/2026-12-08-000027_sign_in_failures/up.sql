-- Failed sign-ins, kept in the database so that every app server counts them together: a
-- lockout on one server holds on the others. A key is `address <ip>` or `account <email>`; rows
-- older than the lockout window are removed as new failures of the key come.
CREATE TABLE sign_in_failures (
    id        TEXT PRIMARY KEY NOT NULL,
    key       TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, failed_at);
