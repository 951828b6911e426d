ALTER TABLE episodes DROP COLUMN municipality_code;
ALTER TABLE facilities DROP COLUMN municipality_code;
ALTER TABLE clients DROP COLUMN municipality_code;
DROP TABLE municipality_rules;
DROP TABLE municipalities;
