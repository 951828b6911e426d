DROP TABLE discharge_corrections;
