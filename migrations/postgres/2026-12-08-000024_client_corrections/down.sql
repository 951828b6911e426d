DROP TABLE client_corrections;
