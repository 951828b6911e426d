-- The contacts that name a document or the user who recorded them, indexed only where they do
-- (imported contacts name neither). Checking the foreign keys document_id and recorded_by then
-- reads these small indexes instead of every contact: a large import sets the foreign keys
-- aside and adds them again at its end, which read 3 million contacts twice (0.5 s) to find
-- none that names a document or a user (docs/performance.md). The import keeps these indexes up
-- while it writes: a row they do not hold costs only the test of its predicate.
CREATE INDEX contacts_document ON contacts (document_id) WHERE document_id IS NOT NULL;
CREATE INDEX contacts_recorded_by ON contacts (recorded_by) WHERE recorded_by IS NOT NULL;
