-- Back to the two kinds of the first migration: refused while a document of another kind exists.
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('admission_info', 'discharge_notice'));
