DROP TABLE care_assignments;
