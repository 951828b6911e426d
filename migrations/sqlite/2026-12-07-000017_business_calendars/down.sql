DROP TABLE national_holidays;
DROP TABLE business_calendars;
