ALTER TABLE contacts DROP COLUMN withdrawal_reason;
ALTER TABLE contacts DROP COLUMN withdrawn_by;
ALTER TABLE contacts DROP COLUMN withdrawn_at;
ALTER TABLE contacts DROP COLUMN note;
