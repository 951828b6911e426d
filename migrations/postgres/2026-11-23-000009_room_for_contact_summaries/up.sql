-- Room on each page of stays for a second version of its rows. An import of contacts rewrites the
-- contact summary of every stay it touches (first_admission_info_day, …), columns no index
-- covers: with free space on the page, PostgreSQL writes the new version beside the old one and
-- touches no index (a "HOT" update). On full pages each update moves the row to another page and
-- adds an entry to every index of the table: merging 3 million imported contacts into a million
-- stays took 38 s instead of 11 s (docs/performance.md). The table is about twice as large, the
-- size a full page table reaches anyway after such an update, until a VACUUM FULL.
-- This applies to pages written from now on; `VACUUM FULL episodes` rewrites the others.
ALTER TABLE episodes SET (fillfactor = 50);
