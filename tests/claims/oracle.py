#!/usr/bin/env python3
"""The 加算 evidence of `renkei claims`, worked out a second time by code that shares nothing with Renkei's.

Makes random data sets full of the 加算's edge cases (admissions on weekends, on national
holidays and 振替休日/国民の休日, on 12/29–1/3 and the days around them, at and after closing
time, at midnight, times unknown; care offices with calendars of their own: Saturday or Sunday
open, other closing times, national holidays open, one-off and yearly closed days, a closing
period wrapping the year end; admission-info contacts before the admission, on days 1–5 and
later, undated, several on one day, in the wrong direction or of the wrong kind; discharge
contacts before the admission, up to and past the discharge + 7, conferences by kind and by
method, deaths, transfers, stays still in hospital, stays without a care office; one client's
stays admitted in one month or across a month's end, at one care office or two), imports them
with `renkei import facilities|calendars|episodes|contacts` (episodes once with the 9 columns
and once with `admitted_at`), and compares `renkei claims` over many periods, for all care
offices and for each, stay by stay and field by field, with the tiers worked out here from
DOMAIN.md ("加算 evidence: exact definitions"), read literally. National holidays come from
src/holidays/syukujitsu.csv, itself checked against the Cabinet Office's list for 2025–2026.

    python3 tests/claims/oracle.py [--renkei target/debug/renkei] [--seed N] [--sets N] [--stays N]
    tests/with-postgres.sh python3 tests/claims/oracle.py      # the same on PostgreSQL
    python3 tests/claims/oracle.py --self-test                  # worked examples; no Renkei needed

On PostgreSQL (TEST_DATABASE_URL set) each data set is in a database of its own, dropped at the
end. Python 3.9+, standard library only. Exits 1 at the first field that differs, naming the
stay, the field, both values and the stay's facts.

Choices of the data (so that nothing depends on what DOMAIN.md leaves open): no client has two
stays admitted on the same date (the once-a-month rule's ties are never exact); a stay without a
care office belongs to a client with no other stay; imported contacts cannot be documents, so
`record` is always false and every evidence `document_id` null.
"""
import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from renkei_cli import Renkei  # noqa: E402  (the oracles' shared runner)

ROOT = Path(__file__).resolve().parents[2]
HOLIDAYS_CSV = ROOT / "src/holidays/syukujitsu.csv"
DAY = dt.timedelta(days=1)
JST = dt.timezone(dt.timedelta(hours=9))
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

METHODS = ["system", "fax", "phone", "visit", "mail", "video", "conference"]
KINDS = ["admission_info", "admission_notice", "discharge_notice", "discharge_conference",
         "discharge_referral", "discharge_record", "other"]
DIRECTIONS = ["cm_to_hospital", "hospital_to_cm"]
INFORMATION_KINDS = {"discharge_notice", "discharge_conference", "discharge_referral", "discharge_record"}
CARE_LEVELS = ["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5", "申請中", ""]
ADMISSION_UNITS = {"I": 250, "II": 200, None: 0}
DISCHARGE_UNITS = {"I-i": 450, "I-ro": 600, "II-i": 600, "II-ro": 750, "III": 900, None: 0}

# The Cabinet Office's list (国民の祝日・休日) for the years of the data, to check the file against.
KNOWN_HOLIDAYS = {dt.date.fromisoformat(d) for d in """
2025-01-01 2025-01-13 2025-02-11 2025-02-23 2025-02-24 2025-03-20 2025-04-29 2025-05-03 2025-05-04
2025-05-05 2025-05-06 2025-07-21 2025-08-11 2025-09-15 2025-09-23 2025-10-13 2025-11-03 2025-11-23
2025-11-24 2026-01-01 2026-01-12 2026-02-11 2026-02-23 2026-03-20 2026-04-29 2026-05-03 2026-05-04
2026-05-05 2026-05-06 2026-07-20 2026-08-11 2026-09-21 2026-09-22 2026-09-23 2026-10-12 2026-11-03
2026-11-23""".split()}
KNOWN_YEARS = (2025, 2026)

# code, name, kind, area, in_city
FACILITIES = [
    ("H01", "中央病院", "hospital", "中央", True),
    ("H02", "市外総合病院", "hospital", "", False),
    ("K01", "居宅介護支援事業所あおば", "care_office", "中央", True),
    ("K02", "居宅介護支援事業所みどり", "care_office", "北部", True),
    ("K03", "居宅介護支援事業所そら", "care_office", "", True),
    ("K04", "居宅介護支援事業所うみ", "care_office", "南部", True),
    ("K05", "居宅介護支援事業所やま", "care_office", "南部", False),
    ("K06", "居宅介護支援事業所かわ", "care_office", "北部", True),
    ("S01", "地域包括支援センター北", "support_center", "北部", True),
    ("M01", "小規模多機能ホームもり", "small_multi", "南部", False),
]
HOSPITALS = [f[0] for f in FACILITIES if f[2] == "hospital"]
OFFICES = [f[0] for f in FACILITIES if f[2] != "hospital"]
NAMES = {f[0]: f[1] for f in FACILITIES}
STAY_COLUMNS = ["episode_ref", "client_ref", "care_level", "care_office", "hospital", "admitted_on",
                "discharged_on", "destination", "excluded"]
CONTACT_COLUMNS = ["episode_ref", "direction", "kind", "contacted_on", "method"]
CALENDAR_COLUMNS = ["care_office", "weekdays", "closing_time", "national_holidays", "closed_days"]


def iso(date):
    return date.isoformat() if date else ""


def minutes(hhmm):
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def month_day(text):
    month, day = text.split("-")
    return int(month), int(day)


# ---------------------------------------------------------------------------------------------
# National holidays and business calendars


def read_holidays(path):
    """The dates of the Cabinet Office's CSV (header 国民の祝日・休日月日,国民の祝日・休日名称)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = ["国民の祝日・休日月日", "国民の祝日・休日名称"]
    if not rows or rows[0] != header:
        sys.exit(f"{path}: header {rows[0] if rows else None}, expected {header}")
    days = set()
    for row in rows[1:]:
        if not row or not row[0].strip():
            continue
        year, month, day = (int(p) for p in row[0].strip().split("/"))
        days.add(dt.date(year, month, day))
    return days


def check_holidays(holidays, path):
    for year in KNOWN_YEARS:
        mine = {d for d in KNOWN_HOLIDAYS if d.year == year}
        theirs = {d for d in holidays if d.year == year}
        if mine != theirs:
            sys.exit(f"{path}: the holidays of {year} differ from the Cabinet Office's list: "
                     f"missing {sorted(map(str, mine - theirs))}, extra {sorted(map(str, theirs - mine))}")


def load_holidays(path, required):
    if path.exists():
        holidays = read_holidays(path)
        check_holidays(holidays, path)
        return holidays, str(path)
    if required:
        sys.exit(f"{path} not found: the national holidays are read from it")
    return set(KNOWN_HOLIDAYS), "the oracle's own list (the file is not there yet)"


class Calendar:
    """A care office's business calendar, as its row of `renkei import calendars` says."""

    def __init__(self, weekdays, closing, holidays_closed, closed_days):
        self.weekdays, self.closing = list(weekdays), closing
        self.holidays_closed, self.closed_days = holidays_closed, list(closed_days)

    def row(self, code):
        return [code, " ".join(self.weekdays), self.closing, "closed" if self.holidays_closed else "open",
                " ".join(self.closed_days)]

    def closed_by_item(self, date):
        here = (date.month, date.day)
        for item in self.closed_days:
            if ".." in item:
                start, end = (month_day(part) for part in item.split(".."))
                if (start <= here <= end) if start <= end else (here >= start or here <= end):
                    return True
            elif len(item) == 10:
                if dt.date.fromisoformat(item) == date:
                    return True
            elif month_day(item) == here:
                return True
        return False

    def is_business(self, date, holidays):
        return (WEEKDAYS[date.weekday()] in self.weekdays
                and not (self.holidays_closed and date in holidays)
                and not self.closed_by_item(date))

    def __repr__(self):
        return "calendar " + repr(self.row("")[1:])


DEFAULT_CALENDAR = Calendar(["mon", "tue", "wed", "thu", "fri"], "17:30", True, ["12-29..01-03"])

FIXED_CALENDARS = {  # K01, S01 and M01 have none: the default
    "K02": Calendar(["mon", "tue", "wed", "thu", "fri", "sat"], "18:00", True, ["12-30..01-03", "08-13..08-15"]),
    "K03": Calendar(["mon", "tue", "wed", "thu", "fri"], "17:00", False, []),
    "K04": Calendar(["tue", "wed", "thu", "fri", "sat"], "17:30", True,
                    ["12-29..01-03", "2026-05-07", "2025-11-25", "06-01", "2026-01-05"]),
    "K05": Calendar(WEEKDAYS, "20:00", True, ["01-01", "12-31"]),
}


def random_calendar(rng):
    days = [d for d in WEEKDAYS if rng.random() < 0.6] or [rng.choice(WEEKDAYS)]
    closed = []
    for _ in range(rng.choice([0, 1, 2, 3])):
        what = rng.randrange(3)
        start = dt.date(2025, 1, 1) + rng.randrange(365) * DAY
        if what == 0:
            closed.append(f"{start.month:02d}-{start.day:02d}")
        elif what == 1:
            end = start + rng.choice([1, 3, 6, 20]) * DAY
            closed.append(f"{start.month:02d}-{start.day:02d}..{end.month:02d}-{end.day:02d}")
        else:
            closed.append((start + rng.choice([0, 365]) * DAY).isoformat())
    if rng.random() < 0.5:
        closed.append(rng.choice(["12-29..01-03", "12-28..01-04", "12-31..01-01"]))
    return Calendar(days, rng.choice(["16:00", "17:00", "17:15", "18:30", "19:00", "23:59"]),
                    rng.random() < 0.6, closed)


# ---------------------------------------------------------------------------------------------
# The 加算, from the definitions


class Stay:
    def __init__(self, ref, client, care_office, hospital, admitted, time, discharged, destination,
                 excluded=False, care_level=""):
        self.ref, self.client, self.care_office, self.hospital = ref, client, care_office, hospital
        self.admitted, self.time, self.discharged, self.destination = admitted, time, discharged, destination
        self.excluded, self.care_level = excluded, care_level

    def row(self, with_time):
        row = [self.ref, self.client, self.care_level, self.care_office or "", self.hospital,
               self.admitted.isoformat(), iso(self.discharged), self.destination or "",
               "true" if self.excluded else "false"]
        return row + [self.time or ""] if with_time else row

    def __repr__(self):
        weekday = WEEKDAYS[self.admitted.weekday()]
        return (f"stay {self.ref} of client {self.client} at {self.care_office}, admitted {self.admitted} "
                f"({weekday}) at {self.time or 'unknown time'}, discharged {self.discharged or '-'} "
                f"to {self.destination or '-'}")


def evidence_key(contact):
    _, direction, kind, date, method = contact
    return (direction, kind, method, iso(date) or None)


def admission_addition(stay, contacts, calendar, holidays):
    business = calendar.is_business(stay.admitted, holidays)
    after_hours = stay.time is not None and business and minutes(stay.time) >= minutes(calendar.closing)
    dated = [c for c in contacts if c[1] == "cm_to_hospital" and c[2] == "admission_info" and c[3] is not None]
    tier, day, evidence = None, None, []
    if dated:
        provision = min(c[3] for c in dated)
        day = (provision - stay.admitted).days + 1
        evidence = [c for c in dated if c[3] == provision]
        day_3_business = calendar.is_business(stay.admitted + 2 * DAY, holidays)
        if day <= 1 or (day == 2 and (after_hours or not business)):
            tier = "I"
        elif day <= 3 or (day == 4 and after_hours and not day_3_business):
            tier = "II"
    return {"tier": tier, "units": ADMISSION_UNITS[tier], "claimable": tier is not None,
            "same_month_claimed": False, "day": day, "after_hours": after_hours, "business_day": business,
            "evidence": sorted(map(evidence_key, evidence))}


def once_a_month(stays, additions):
    """Among a client's stays admitted in one calendar month with a tier, one is claimable."""
    groups = defaultdict(list)
    for stay in stays:
        if stay.ref in additions and additions[stay.ref]["tier"]:
            groups[(stay.client, stay.admitted.year, stay.admitted.month)].append(stay)
    for group in groups.values():
        best = min(group, key=lambda s: (additions[s.ref]["tier"] != "I", s.admitted, s.ref))
        for stay in group:
            if stay is not best:
                additions[stay.ref]["claimable"] = False
                additions[stay.ref]["same_month_claimed"] = True


def discharge_addition(stay, contacts):
    last = stay.discharged + 7 * DAY if stay.discharged else None
    counted = [c for c in contacts if c[1] == "hospital_to_cm" and c[2] in INFORMATION_KINDS and c[3] is not None
               and stay.admitted <= c[3] and (last is None or c[3] <= last)]
    days = sorted({c[3] for c in counted})
    conference = any(c[2] == "discharge_conference" or c[4] == "conference" for c in counted)
    tier = None
    if stay.discharged and stay.destination == "home" and days:
        tier = {1: "I-ro" if conference else "I-i", 2: "II-ro" if conference else "II-i"}.get(
            len(days), "III" if conference else "II-i")
    return {"tier": tier, "units": DISCHARGE_UNITS[tier], "information_days": [d.isoformat() for d in days],
            "conference": conference, "record": False, "evidence": sorted(map(evidence_key, counted))}


def expected_claims(stays, contacts_of, calendars, holidays):
    """Every stay with a care office, by ref: (its admission addition, its discharge addition)."""
    with_office = [s for s in stays if s.care_office]
    admissions = {s.ref: admission_addition(s, contacts_of.get(s.ref, []),
                                            calendars.get(s.care_office, DEFAULT_CALENDAR), holidays)
                  for s in with_office}
    once_a_month(with_office, admissions)
    return {s.ref: (admissions[s.ref], discharge_addition(s, contacts_of.get(s.ref, []))) for s in with_office}


# ---------------------------------------------------------------------------------------------
# Worked examples


def self_test(holidays):
    """Examples worked by hand from DOMAIN.md, with the tiers they must get."""
    k02, k03 = FIXED_CALENDARS["K02"], FIXED_CALENDARS["K03"]
    d = dt.date.fromisoformat

    def admission(admitted, time, provided, calendar=DEFAULT_CALENDAR, extra=()):
        stay = Stay("E", "C", "K", "H01", d(admitted), time, None, None)
        contacts = [("E", "cm_to_hospital", "admission_info", d(p) if p else None, "fax") for p in provided]
        return admission_addition(stay, contacts + list(extra), calendar, holidays)

    cases = [  # (what, admitted, time, provision dates, calendar, tier, day, after_hours, business_day)
        ("Fri 18:00, provision Sat (day 2): after hours", "2026-11-20", "18:00", ["2026-11-21"], None, "I", 2, True, True),
        ("Fri 17:30 exactly is after hours", "2026-11-20", "17:30", ["2026-11-21"], None, "I", 2, True, True),
        ("Fri 17:29 is not after hours: day 2 is (II)", "2026-11-20", "17:29", ["2026-11-21"], None, "II", 2, False, True),
        ("Sat, provision Sun (day 2): not a business day", "2026-11-21", None, ["2026-11-22"], None, "I", 2, False, False),
        ("Sat, provision Tue (day 4): no extension", "2026-11-21", "20:00", ["2026-11-24"], None, None, 4, False, False),
        ("Fri 18:00, Mon day 4, day 3 a Sunday", "2026-11-20", "18:00", ["2026-11-23"], None, "II", 4, True, True),
        ("Fri 17:00, Mon day 4: not after hours", "2026-11-20", "17:00", ["2026-11-23"], None, None, 4, False, True),
        ("Fri, time unknown, day 2 is (II)", "2026-11-20", None, ["2026-11-21"], None, "II", 2, False, True),
        ("Thu 00:00 is before closing", "2026-11-19", "00:00", ["2026-11-20"], None, "II", 2, False, True),
        ("Thu 23:59 after hours, day 4 Sun, day 3 Sat", "2026-11-19", "23:59", ["2026-11-22"], None, "II", 4, True, True),
        ("Wed 18:00 after hours, day 4 Sat, day 3 Fri open", "2026-11-18", "18:00", ["2026-11-21"], None, None, 4, True, True),
        ("before the admission is day <= 0: (I)", "2026-11-18", "10:00", ["2026-11-15", "2026-11-20"], None, "I", -2, False, True),
        ("the day itself", "2026-11-18", None, ["2026-11-18"], None, "I", 1, False, True),
        ("day 5 is nothing", "2026-11-18", "23:00", ["2026-11-22"], None, None, 5, True, True),
        ("undated only: no tier, no day", "2026-11-18", None, [None], None, None, None, False, True),
        ("no contact", "2026-11-18", None, [], None, None, None, False, True),
        ("振替休日 2026-05-06, provision 05-07", "2026-05-06", "10:00", ["2026-05-07"], None, "I", 2, False, False),
        ("国民の休日 2026-09-22, provision 09-23", "2026-09-22", None, ["2026-09-23"], None, "I", 2, False, False),
        ("振替休日 2025-11-24, provision 11-25", "2025-11-24", "09:00", ["2025-11-25"], None, "I", 2, False, False),
        ("2025-11-21 Fri 18:00, day 4 Mon 11-24 (day 3 Sun)", "2025-11-21", "18:00", ["2025-11-24"], None, "II", 4, True, True),
        ("12/29 closed by default", "2025-12-29", "10:00", ["2025-12-30"], None, "I", 2, False, False),
        ("1/3 closed by default", "2026-01-03", None, ["2026-01-04"], None, "I", 2, False, False),
        ("12/26 Fri 18:00, day 4 Mon 12/29 (day 3 Sun)", "2025-12-26", "18:00", ["2025-12-29"], None, "II", 4, True, True),
        ("1/5 Mon 17:45, day 2", "2026-01-05", "17:45", ["2026-01-06"], None, "I", 2, True, True),
        ("K03: holidays open, 05-06 a business day", "2026-05-06", "10:00", ["2026-05-07"], k03, "II", 2, False, True),
        ("K03: 12/29 open, closing 17:00", "2025-12-29", "17:00", ["2025-12-30"], k03, "I", 2, True, True),
        ("K02: Sat open, 17:30 before its 18:00", "2026-11-21", "17:30", ["2026-11-22"], k02, "II", 2, False, True),
        ("K02: Sat 19:00, day 4 Tue (day 3 Mon holiday)", "2026-11-21", "19:00", ["2026-11-24"], k02, "II", 4, True, True),
        ("K02: 12-30..01-03, 12-29 Mon open", "2025-12-29", "18:00", ["2026-01-01"], k02, "II", 4, True, True),
    ]
    wrong = [("E", "hospital_to_cm", "admission_info", d("2026-11-18"), "fax"),
             ("E", "cm_to_hospital", "admission_notice", d("2026-11-18"), "fax"),
             ("E", "cm_to_hospital", "other", d("2026-11-18"), "system")]
    cases.append(("wrong direction or kind never count", "2026-11-18", None, ["2026-11-20"], None, "II", 3, False, True))
    for what, admitted, time, provided, calendar, tier, day, after, business in cases:
        got = admission(admitted, time, provided, calendar or DEFAULT_CALENDAR,
                        wrong if what.startswith("wrong") else ())
        want = {"tier": tier, "day": day, "after_hours": after, "business_day": business,
                "units": ADMISSION_UNITS[tier]}
        if {k: got[k] for k in want} != want:
            sys.exit(f"self-test, admission: {what}: got {got}, expected {want}")

    for what, item, date, closed in [("wrapping range", "12-29..01-03", "2026-01-02", True),
                                     ("wrapping range, after", "12-29..01-03", "2026-01-04", False),
                                     ("plain range", "08-13..08-15", "2026-08-15", True),
                                     ("one date", "2026-05-07", "2026-05-07", True),
                                     ("one date, another year", "2026-05-07", "2025-05-07", False),
                                     ("every year", "06-01", "2025-06-01", True)]:
        if Calendar(WEEKDAYS, "17:30", False, [item]).closed_by_item(d(date)) != closed:
            sys.exit(f"self-test, calendar: {what}: {item} on {date} should be {'closed' if closed else 'open'}")

    def discharge(discharged, destination, contacts):
        stay = Stay("E", "C", "K", "H01", d("2026-10-01"), None, d(discharged) if discharged else None, destination)
        return discharge_addition(stay, [("E", dr, k, d(on) if on else None, m) for dr, k, on, m in contacts])

    notice = ("hospital_to_cm", "discharge_notice")
    dcases = [
        ("one day", "2026-10-20", "home", [(*notice, "2026-10-15", "fax")], "I-i", 1, False),
        ("one day, conference by method", "2026-10-20", "home", [(*notice, "2026-10-15", "conference")], "I-ro", 1, True),
        ("two contacts one day", "2026-10-20", "home",
         [(*notice, "2026-10-15", "fax"), ("hospital_to_cm", "discharge_referral", "2026-10-15", "phone")], "I-i", 1, False),
        ("two days, conference by kind", "2026-10-20", "home",
         [(*notice, "2026-10-15", "fax"), ("hospital_to_cm", "discharge_conference", "2026-10-18", "visit")], "II-ro", 2, True),
        ("three days, no conference", "2026-10-20", "home",
         [(*notice, "2026-10-01", "fax"), (*notice, "2026-10-15", "phone"),
          ("hospital_to_cm", "discharge_record", "2026-10-27", "visit")], "II-i", 3, False),
        ("three days, a conference", "2026-10-20", "home",
         [(*notice, "2026-10-01", "fax"), (*notice, "2026-10-15", "conference"), (*notice, "2026-10-27", "visit")],
         "III", 3, True),
        ("+8, before admission, undated, wrong direction/kind never count", "2026-10-20", "home",
         [(*notice, "2026-10-28", "conference"), (*notice, "2026-09-30", "conference"), (*notice, None, "fax"),
          ("cm_to_hospital", "discharge_conference", "2026-10-15", "conference"),
          ("hospital_to_cm", "other", "2026-10-16", "conference"), (*notice, "2026-10-27", "fax")], "I-i", 1, False),
        ("death: days and conference, no tier", "2026-10-20", "death",
         [(*notice, "2026-10-15", "conference")], None, 1, True),
        ("no destination: no tier", "2026-10-20", None, [(*notice, "2026-10-15", "fax")], None, 1, False),
        ("still in hospital", None, None, [(*notice, "2026-11-30", "fax"), (*notice, "2026-09-30", "fax")], None, 1, False),
        ("home, nothing", "2026-10-20", "home", [], None, 0, False),
    ]
    for what, discharged, destination, contacts, tier, n, conference in dcases:
        got = discharge(discharged, destination, contacts)
        want = {"tier": tier, "units": DISCHARGE_UNITS[tier], "conference": conference, "record": False}
        if {k: got[k] for k in want} != want or len(got["information_days"]) != n:
            sys.exit(f"self-test, discharge: {what}: got {got}, expected {want} and {n} days")

    # Once a month: the higher tier, then the earlier admission; other months apart.
    stays = [Stay("A1", "C1", "K01", "H01", d("2026-04-03"), None, d("2026-04-10"), "home"),
             Stay("A2", "C1", "K02", "H01", d("2026-04-20"), None, None, None),
             Stay("B1", "C2", "K01", "H01", d("2026-04-03"), None, d("2026-04-10"), "home"),
             Stay("B2", "C2", "K01", "H01", d("2026-04-20"), None, None, None),
             Stay("B3", "C2", "K01", "H01", d("2026-04-28"), None, None, None),
             Stay("D1", "C3", "K01", "H01", d("2026-04-30"), None, d("2026-04-30"), "home"),
             Stay("D2", "C3", "K01", "H01", d("2026-05-01"), None, None, None),
             Stay("N1", "C4", None, "H01", d("2026-04-03"), None, None, None)]
    contacts = {"A1": [("A1", "cm_to_hospital", "admission_info", d("2026-04-05"), "fax")],  # day 3: II
                "A2": [("A2", "cm_to_hospital", "admission_info", d("2026-04-20"), "fax")],  # I
                "B1": [("B1", "cm_to_hospital", "admission_info", d("2026-04-03"), "fax")],  # I
                "B2": [("B2", "cm_to_hospital", "admission_info", d("2026-04-20"), "fax")],  # I
                "B3": [("B3", "cm_to_hospital", "admission_info", d("2026-05-08"), "fax")],  # none
                "D1": [("D1", "cm_to_hospital", "admission_info", d("2026-04-30"), "fax")],
                "D2": [("D2", "cm_to_hospital", "admission_info", d("2026-05-01"), "fax")],
                "N1": [("N1", "cm_to_hospital", "admission_info", d("2026-04-03"), "fax")]}
    got = {ref: (a["tier"], a["claimable"], a["same_month_claimed"])
           for ref, (a, _) in expected_claims(stays, contacts, {}, holidays).items()}
    want = {"A1": ("II", False, True), "A2": ("I", True, False), "B1": ("I", True, False),
            "B2": ("I", False, True), "B3": (None, False, False), "D1": ("I", True, False), "D2": ("I", True, False)}
    if got != want:
        sys.exit(f"self-test, once a month: got {got}, expected {want}")
    print(f"self-test: {len(cases)} admission, {len(dcases)} discharge and 7 once-a-month examples "
          f"give the tiers worked by hand")


# ---------------------------------------------------------------------------------------------
# Data sets


def special_dates(holidays, first, last):
    """Dates where the calendar matters: holidays, the year end, one-off closed days, and their neighbours."""
    days = set()
    for holiday in holidays:
        days.update(holiday + k * DAY for k in range(-3, 3))
    for year in (2024, 2025, 2026):
        days.update(dt.date(year, 12, 26) + k * DAY for k in range(12))
    for code, calendar in FIXED_CALENDARS.items():
        for item in calendar.closed_days:
            if len(item) == 10:
                days.update(dt.date.fromisoformat(item) + k * DAY for k in range(-3, 2))
    days.update(dt.date.fromisoformat(x) for x in ["2026-11-20", "2026-11-21", "2026-11-19", "2025-08-13",
                                                    "2025-08-15", "2026-06-01", "2025-05-30"])
    return sorted(d for d in days if first <= d <= last)


TIMES = ["17:30", "17:30", "17:29", "17:31", "23:59", "00:00", "18:00", "17:59", "18:01", "16:59", "17:00",
         "17:15", "19:00", "20:00", "19:59", "09:00", "12:34", "08:59", "18:30", "18:29", "16:00"]


def random_time(rng):
    if rng.random() < 0.25:
        return None
    if rng.random() < 0.75:
        return rng.choice(TIMES)
    return f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"


def admission_contacts(rng, stay, today):
    contacts = []
    for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3, 4])):
        direction, kind = "cm_to_hospital", "admission_info"
        if rng.random() < 0.2:  # the other direction, or a kind that never counts
            direction, kind = rng.choice(DIRECTIONS), rng.choice(KINDS)
        date = stay.admitted + rng.choice([-9, -3, -1, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 6, 12]) * DAY
        if rng.random() < 0.1:
            date = None  # a paper record without a date
        contacts.append((stay.ref, direction, kind, date, rng.choice(METHODS)))
        if rng.random() < 0.15:  # another on the same day
            contacts.append((stay.ref, direction, kind, date, rng.choice(METHODS)))
    return contacts


def discharge_contacts(rng, stay, today):
    contacts = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 7])):
        direction, kind = "hospital_to_cm", rng.choice(sorted(INFORMATION_KINDS) + ["discharge_notice"])
        if rng.random() < 0.15:
            direction, kind = rng.choice(DIRECTIONS), rng.choice(KINDS)
        around = stay.discharged or stay.admitted + rng.choice([0, 5, 30]) * DAY
        offset = rng.choice([-20, -9, -6, -5, -3, -2, -1, 0, 0, 1, 3, 6, 7, 7, 7, 8, 8, 9, 15])
        date = around + offset * DAY
        if rng.random() < 0.06:
            date = stay.admitted - rng.choice([1, 2]) * DAY  # before the admission
        if rng.random() < 0.08:
            date = None
        method = rng.choice(METHODS + ["fax", "phone"])
        contacts.append((stay.ref, direction, kind, date, method))
        if rng.random() < 0.15:
            contacts.append((stay.ref, direction, rng.choice(sorted(INFORMATION_KINDS)), date, rng.choice(METHODS)))
    return contacts


def data_set(rng, count, holidays, today):
    """Stays of clients with one to three stays each (one month or across a month's end), and their contacts."""
    first, last = dt.date(2025, 9, 1), min(dt.date(2026, 11, 30), today)
    special = special_dates(holidays, first, last)
    stays, n = [], 0
    while len(stays) < count:
        client = f"C{rng.randrange(10**7):07d}"
        alone = rng.random() < 0.07  # no care office: a client with no other stay
        visits = 1 if alone else rng.choice([1, 1, 1, 2, 2, 2, 3])
        start = rng.choice(special) if rng.random() < 0.5 else first + rng.randrange((last - first).days + 1) * DAY
        evening = rng.random() < 0.15  # a Thursday or Friday evening: day 3 or 4 on the weekend
        if evening:
            start = first + rng.randrange(60) * 7 * DAY + rng.choice([3, 4]) * DAY  # 2025-09-01 is a Monday
            start = start if start <= last else last
        office = None if alone else rng.choice(OFFICES)
        used = set()
        for v in range(visits):
            if v == 0:
                admitted = start
            elif rng.random() < 0.6:  # the same month
                admitted = start.replace(day=rng.randrange(1, 29))
            else:  # around the month's ends
                month = start.replace(day=1)
                following = (month + 32 * DAY).replace(day=1)
                admitted = rng.choice([month - 2 * DAY, month - DAY, month, following - DAY, following,
                                       following + DAY])
            if admitted in used or not first <= admitted <= last:
                continue
            used.add(admitted)
            if office and rng.random() < 0.3:
                office = rng.choice(OFFICES)
            length = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 14, 20, 30, 45])
            discharged = admitted + length * DAY if rng.random() > 0.12 else None
            if discharged and discharged > today:
                discharged = None
            destination = None
            if discharged:
                destination = rng.choice(["home", "home", "home", "home", "facility", "transfer", "death", None])
            n += 1
            time = rng.choice(["17:30", "18:00", "20:00", "23:59"]) if evening and v == 0 else random_time(rng)
            stays.append(Stay(f"E{n:05d}", client, office, rng.choice(HOSPITALS), admitted, time,
                              discharged, destination, rng.random() < 0.05, rng.choice(CARE_LEVELS)))
    contacts = []
    for stay in stays:
        for c in admission_contacts(rng, stay, today) + discharge_contacts(rng, stay, today):
            if c[3] is None or c[3] <= today:  # future dates are refused
                contacts.append(c)
    rng.shuffle(contacts)
    return stays, contacts


# ---------------------------------------------------------------------------------------------
# Running Renkei



def explain(stay, contacts, calendar, holidays):
    """The facts of a stay that decide its 加算, for a message."""
    def day(date):
        return f"{date} {WEEKDAYS[date.weekday()]} {'business' if calendar.is_business(date, holidays) else 'closed'}"

    lines = [f"  {stay!r}", f"  {calendar!r}",
             f"  admission day: {day(stay.admitted)}; day 2: {day(stay.admitted + DAY)}; "
             f"day 3: {day(stay.admitted + 2 * DAY)}; day 4: {day(stay.admitted + 3 * DAY)}"]
    lines += [f"  contact {direction} {kind} {iso(on) or 'undated'} {method}"
              for _, direction, kind, on, method in sorted(contacts, key=lambda c: (iso(c[3]), c[1], c[2], c[4]))]
    return "\n".join(lines)


def check_claims(renkei, where, actual, start, end, office, stays, contacts_of, expected, calendars, holidays):
    if actual.get("period") != {"from": start.isoformat(), "to": end.isoformat()}:
        sys.exit(f"{where}: period {actual.get('period')!r}")
    listed = [s for s in stays if s.care_office and (office is None or s.care_office == office)
              and (start <= s.admitted <= end or (s.discharged is not None and start <= s.discharged <= end))]
    got = actual.get("stays")
    if not isinstance(got, list):
        sys.exit(f"{where}: no list of stays")
    refs = sorted(s.get("episode_ref") or "" for s in got)
    want = sorted(s.ref for s in listed)
    if refs != want:
        sys.exit(f"{where}: stays listed but not expected {sorted(set(refs) - set(want))[:10]}, "
                 f"expected but not listed {sorted(set(want) - set(refs))[:10]} "
                 f"({len(refs)} listed, {len(want)} expected)")
    order = [(s["admitted_on"], s["episode_id"]) for s in got]
    if order != sorted(order):
        sys.exit(f"{where}: the stays are not sorted by admitted_on then episode_id")
    by_ref = {s.ref: s for s in listed}
    for item in got:
        stay = by_ref[item["episode_ref"]]
        contacts = contacts_of.get(stay.ref, [])
        calendar = calendars.get(stay.care_office, DEFAULT_CALENDAR)
        admission, discharge = expected[stay.ref]

        def differs(field, value, wanted):
            sys.exit(f"{where}: stay {stay.ref}: {field} is {value!r}, expected {wanted!r}\n"
                     + explain(stay, contacts, calendar, holidays))

        facts = [("client/ref", (item.get("client") or {}).get("ref"), stay.client),
                 ("care_office/code", (item.get("care_office") or {}).get("code"), stay.care_office),
                 ("care_office/name", (item.get("care_office") or {}).get("name"), NAMES[stay.care_office]),
                 ("hospital/code", (item.get("hospital") or {}).get("code"), stay.hospital),
                 ("admitted_on", item.get("admitted_on"), stay.admitted.isoformat()),
                 ("discharged_on", item.get("discharged_on"), iso(stay.discharged) or None),
                 ("destination", item.get("destination"), stay.destination)]
        for field, value, wanted in facts:
            if value != wanted:
                differs(field, value, wanted)
        at = item.get("admitted_at")
        if stay.time is None:
            if at is not None:
                differs("admitted_at", at, None)
        else:
            wanted = dt.datetime.combine(stay.admitted, dt.time(*map(int, stay.time.split(":"))), JST)
            try:
                parsed = dt.datetime.fromisoformat(at)
            except (TypeError, ValueError):
                parsed = None
            if parsed is None or parsed != wanted or parsed.utcoffset() != dt.timedelta(hours=9):
                differs("admitted_at", at, wanted.isoformat())

        for side, wanted in (("admission_info_addition", admission), ("discharge_addition", discharge)):
            value = item.get(side)
            if not isinstance(value, dict):
                differs(side, value, wanted)
            for field, w in wanted.items():
                if field not in value:
                    differs(f"{side}/{field}", "missing", w)
                v = value[field]
                if field == "evidence":
                    for e in v:
                        if e.get("document_id") is not None or not e.get("contact_id"):
                            differs(f"{side}/evidence", e, "contact_id set, document_id null")
                    v = sorted((e.get("direction"), e.get("kind"), e.get("method"), e.get("contacted_on")) for e in v)
                if v != w or type(v) is not type(w):
                    differs(f"{side}/{field}", v, w)
    return len(got)


def check_csv(data, count, where):
    if not data.startswith(b"\xef\xbb\xbf"):
        sys.exit(f"{where}: the CSV has no byte order mark")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))
    if not rows or not any("\u3000" <= ch <= "\u9fff" for ch in "".join(rows[0])):
        sys.exit(f"{where}: the CSV has no Japanese header: {rows[:1]}")
    if len(rows) - 1 != count or any(len(r) != len(rows[0]) for r in rows):
        sys.exit(f"{where}: {len(rows) - 1} CSV rows (widths {sorted({len(r) for r in rows})}), expected {count}")


def run_set(renkei, rng, count, holidays, label):
    today = dt.datetime.now(JST).date()
    stays, contacts = data_set(rng, count, holidays, today)
    calendars = dict(FIXED_CALENDARS)
    calendars["K06"] = random_calendar(rng)
    renkei.import_rows("facilities", ["code", "name", "kind", "area", "in_city"],
                       [[c, n, k, a, "true" if i else "false"] for c, n, k, a, i in FACILITIES])
    renkei.import_rows("calendars", CALENDAR_COLUMNS, [cal.row(code) for code, cal in sorted(calendars.items())])
    untimed = [s for s in stays if s.time is None and rng.random() < 0.5]  # the 9-column file
    timed = [s for s in stays if s not in untimed]
    renkei.import_rows("episodes", STAY_COLUMNS, [s.row(False) for s in untimed])
    renkei.import_rows("episodes", STAY_COLUMNS + ["admitted_at"], [s.row(True) for s in timed])
    renkei.import_rows("contacts", CONTACT_COLUMNS, [[r, d, k, iso(on), m] for r, d, k, on, m in contacts])

    contacts_of = defaultdict(list)
    for c in contacts:
        contacts_of[c[0]].append(c)
    expected = expected_claims(stays, contacts_of, calendars, holidays)
    periods = [(dt.date(2025, 1, 1), dt.date(2026, 12, 31)), (dt.date(2020, 1, 1), dt.date(2020, 12, 31)),
               (dt.date(2025, 12, 29), dt.date(2026, 1, 3))]
    for _ in range(3):
        month = dt.date(2025, 9, 1) + rng.randrange(15) * 31 * DAY
        month = month.replace(day=1)
        periods.append((month, (month + 32 * DAY).replace(day=1) - DAY))
    for _ in range(3):
        start = dt.date(2025, 8, 20) + rng.randrange(460) * DAY
        periods.append((start, start + rng.choice([0, 0, 1, 6, 30, 45]) * DAY))
    asked = [(start, end, None) for start, end in periods]
    asked += [(periods[0][0], periods[0][1], office) for office in OFFICES]
    asked += [(periods[3][0], periods[3][1], rng.choice(OFFICES))]
    compared = 0
    for start, end, office in asked:
        args = ["claims", "--from", start.isoformat(), "--to", end.isoformat()]
        args += ["--care-office", office] if office else []
        where = f"{renkei.engine}, data set {label}, renkei {' '.join(args)}"
        actual = json.loads(renkei.run(args))
        compared += check_claims(renkei, where, actual, start, end, office, stays, contacts_of, expected,
                                 calendars, holidays)
        if start == periods[0][0] and office is None:
            check_csv(renkei.run(args + ["--format", "csv"]), len(actual["stays"]), where + " --format csv")
    return len(asked), compared, len(stays), len(contacts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renkei", default=str(ROOT / "target/debug/renkei"))
    parser.add_argument("--seed", type=int, default=20261, help="of the first data set")
    parser.add_argument("--sets", type=int, default=3, help="data sets, each in a database of its own")
    parser.add_argument("--stays", type=int, default=400, help="stays per data set")
    parser.add_argument("--holidays", type=Path, default=HOLIDAYS_CSV, help="the national holidays' CSV")
    parser.add_argument("--self-test", action="store_true", help="only the worked examples, without Renkei")
    args = parser.parse_args()
    holidays, source = load_holidays(args.holidays, required=not args.self_test)
    if args.self_test:
        print(f"national holidays: {source}")
        self_test(holidays)
        return
    self_test(holidays)
    if not os.access(args.renkei, os.X_OK):
        sys.exit(f"{args.renkei} not found: build it first (cargo build)")
    for n in range(args.sets):
        seed = args.seed + n
        with tempfile.TemporaryDirectory(prefix="renkei-claims-oracle.") as work:
            os.chmod(work, 0o755)
            renkei = Renkei(args.renkei, work, f"renkei_claims_oracle_{n}")
            try:
                runs, compared, stays, contacts = run_set(renkei, random.Random(seed), args.stays, holidays, seed)
            finally:
                renkei.close()
            print(f"{renkei.engine}, data set {seed}: {runs} claims runs, {compared} stays listed, of {stays} stays "
                  f"and {contacts} contacts, match the definitions field by field")


if __name__ == "__main__":
    main()
