-- A contact's note (what was agreed, in a sentence or two) and its withdrawal: a contact recorded
-- by mistake is withdrawn with a reason by the facility that recorded it, never deleted; a
-- withdrawn contact counts for nothing (the stay's contact summary and the survey's daily counts
-- are worked out again without it) but stays on the stay's record with who withdrew it, when and why.
ALTER TABLE contacts ADD COLUMN note TEXT;
ALTER TABLE contacts ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE contacts ADD COLUMN withdrawn_by TEXT REFERENCES users (id);
ALTER TABLE contacts ADD COLUMN withdrawal_reason TEXT;
