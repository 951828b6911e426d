-- Back to the six kinds of migration 000014: refused while a document of another kind exists.
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('admission_info', 'admission_notice', 'discharge_notice', 'discharge_conference', 'discharge_referral', 'discharge_record'));
