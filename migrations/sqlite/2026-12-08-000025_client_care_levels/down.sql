DROP TABLE client_care_levels;
