ALTER TABLE episodes RESET (fillfactor);
