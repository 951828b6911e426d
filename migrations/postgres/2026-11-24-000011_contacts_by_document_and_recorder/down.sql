DROP INDEX contacts_recorded_by;
DROP INDEX contacts_document;
