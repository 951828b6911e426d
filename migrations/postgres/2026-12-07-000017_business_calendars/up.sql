-- A care office's business calendar (営業日・営業時間), which the 入院時情報連携加算 and the
-- admission-sheet reminders read (docs/claims.md). An office without a row has the default:
-- Monday to Friday, closing at 17:30, closed on national holidays and on 12/29–1/3.
CREATE TABLE business_calendars (
    facility_id         TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES facilities (id),
    weekdays            TEXT NOT NULL,
    closing_time        TEXT NOT NULL,
    national_holidays   TEXT NOT NULL,
    closed_days         TEXT NOT NULL,
    updated_by          TEXT COLLATE "C" REFERENCES users (id),
    updated_at          TIMESTAMP NOT NULL
);

-- Japan's national holidays as imported from the Cabinet Office's CSV (renkei import
-- holidays): for each year present here, these dates replace the list the binary carries.
CREATE TABLE national_holidays (
    holiday_on  DATE PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL
);
