"""Renkei's command line as the independent oracles (tests/survey/oracle.py,
tests/claims/oracle.py) drive it: a database of their own (a SQLite file in a work folder, or,
with TEST_DATABASE_URL set, a PostgreSQL database created here and dropped by `close`), the
`renkei` binary run on it, and CSV files written for `renkei import`. Standard library only."""
import csv
import os
import subprocess
import sys
from pathlib import Path


class Renkei:
    def __init__(self, binary, work, name="renkei_oracle"):
        self.binary, self.work = binary, work
        self.env = dict(os.environ, RUST_LOG="warn")
        self.drop = None
        server = os.environ.get("TEST_DATABASE_URL")
        if server:
            name = f"{name}_{os.getpid()}"
            subprocess.run(["psql", server, "-qc", f"CREATE DATABASE {name}"], check=True)
            self.env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
            self.drop = (server, name)
            self.engine = "PostgreSQL"
        else:
            self.env["DATABASE_URL"] = f"sqlite://{work}/oracle.db"
            self.engine = "SQLite"

    def close(self):
        if self.drop:
            server, name = self.drop
            subprocess.run(["psql", server, "-qc", f"DROP DATABASE {name} WITH (FORCE)"], check=True)

    def run(self, args, rules="default"):
        done = subprocess.run([self.binary, *args], env=dict(self.env, HANDBOOK_RULES=rules),
                              capture_output=True)
        if done.returncode != 0:
            sys.exit(f"renkei {' '.join(args)} failed ({done.returncode}):\n"
                     f"{done.stderr.decode(errors='replace')}")
        return done.stdout

    def import_rows(self, table, header, rows):
        path = Path(self.work) / f"{table}-{len(os.listdir(self.work))}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        return self.run(["import", table, str(path)]).decode()
