CREATE INDEX contacts_import_batch ON contacts (import_batch);
