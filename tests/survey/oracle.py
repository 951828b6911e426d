#!/usr/bin/env python3
"""The connection survey, counted a second time by code that shares nothing with Renkei's.

Makes random data sets full of the survey's edge cases (contacts before the admission, on the
day, after the discharge, undated paper records, contacts in the wrong direction or of kinds
that never count, several contacts of a side on one day or undated, made in different ways,
deaths, excluded stays, stays with no care office, with or without an 入院連絡, stays still
open, short stays, periods that cut through stays, empty periods), imports them with `renkei import` as a
city would, and compares every figure of `renkei survey` (JSON, and the CSV Excel opens) with
the figures worked out here, stay by stay, from the definitions in DOMAIN.md and
docs/survey.md: every published rule set, every breakdown, many periods. Then a second file of
stays (discharges, changed stays, new stays) and of contacts (repeats, new ones, and the same
contacts made another way on the same day, which can change a first contact's method) is
imported, as a later year's spreadsheet would be, and everything is compared again. Then the
same for the realistic decade `renkei generate` writes, read back from its files, every fiscal
year of it. Last, stays of patients without a care manager registered, notified, assigned a care
office and discharged through the HTTP API of a running `renkei serve` (pathway B, below).

Survey v3 (schemas/survey/v3.json) adds figures that are counted here from these definitions:

- `method` on each side, of the whole and of every group: the stays counted as contacted on that
  side, by the method of their first counted contact. On the admission side the counted contacts
  are CM→hospital `admission_info`; the first is the earliest dated one within the bound the
  timing uses (the discharge; in admission_window mode the earlier of the discharge and the
  cut-off), or, with none dated within it, the undated ones (timing `unknown`). On the discharge
  side (lead ≥ 0 only) it is the earliest dated hospital→CM discharge contact. When several
  counted contacts fall on that first day (or are all undated) the method is the first of
  system, visit, conference, video, phone, fax, mail. The seven counts add up to `contacted`.
- `speed`, per document kind (all seven, in order): the documents sent in the period (the Japan
  date, UTC+9, of `sent_at`) to another facility (sender ≠ recipient), how many were read and
  acknowledged, and the median and 90th percentile of the hours to the first reading and to the
  acknowledgement (nearest rank, ⌈p/100·n⌉-th value, rounded half up to one decimal; null
  without values).
- `participation`, per facility kind (all five, in order): the facilities in the directory (the
  import takes no `city` facility, so the oracle writes its one straight into the table),
  those with a user who can sign in (a password hash, not disabled), and those that sent or
  received a document counted as above.
- `without_care_manager`: the stays admitted in the period, not excluded under the rule set,
  with no care office; `admission_notice` those with a hospital→CM `admission_notice` contact
  (dated or not; every imported contact is one recorded by hand) or an `admission_notice`
  document to a 地域包括支援センター or the city (whenever it was sent); `assigned` those whose
  earliest assignment of a care office (by a 地域包括支援センター, pathway B) is on or before the
  discharge day, or that are not discharged; `median_days_to_assignment` the median of the days
  from admission to that earliest assignment over the `assigned` stays (of an even count, the mean
  of the two middle values; null without any). Assignments are made only through the API, so with
  imported stays `assigned` is 0 and the median null: the last part below makes them.

The CSV's first table carries the 14 method columns after its 27 others, and three more tables
follow it (speed, participation, the stays without a care manager), each after an empty line
(Renkei writes it as `""`, a record of one empty field; an empty line proper is taken too).

There is no import for users and documents, so the edge-case data set writes them straight into
Renkei's database after the CSV imports (`write_exchange`: Python's sqlite3 on the SQLite file,
psql with a generated script on PostgreSQL; ids are looked up by facility code and episode_ref,
timestamps written as naive UTC `YYYY-MM-DD HH:MM:SS`, the way Renkei stores them). That is
fixture setup only: the expected figures come from the values generated here, never read back.
The users give facilities none, only disabled ones, only ones without a password, or active
ones (some created or disabled after a period: only the present state counts); the documents are
of every kind, some sent on both sides of each period's edges in Japan time (14:59, 14:59:59 and
15:00 UTC on the day before it and on its last day), some to the sender's own facility, unread,
read, read and acknowledged, from seconds to weeks later (never x.x5 hours exactly, where
rounding half away from zero, as Renkei does, and half to even could differ). The generated
decade has no documents and no users: its speed is all zeros and nulls, its participation the
facilities it writes, none with a user, none exchanging.

Pathway B through the HTTP API (`pathway_b`), in a database of its own: facilities imported (a
hospital, two care offices, a 地域包括支援センター), users and API tokens made with `renkei admin`
(a discharge nurse, the centre's care manager, who assigns, a care office's care manager, a
coordinator), then `renkei serve` started on a free loopback port (SMTP_URL unset, mail to a
folder; no rate limit to speak of), waited for at /healthz and stopped at the end, whatever
happened. Through the API the nurse registers stays of persons without a care office (some
planned respite), sends an 入院連絡 to the centre about most of them (the centre sees only those),
one now and then to a care office instead or as well, and records a few 入院連絡 by hand (either
direction); the centre assigns care offices (on the admission day, days or weeks later, some twice:
a later date first and an earlier one after it, or the other way round); the nurse records
discharges, before an assignment, on its day, after it, or never. Ordinary stays (clients a care
office registered, with contacts recorded by hand, some planned respite) and readmissions of
clients the centre gave a care office (who now have one at admission) go beside them. Every
assignment and discharge is made in one of two phases; the survey is compared after the first
(fiscal years, the whole span) and after the second: every month of 2025 and 2026, the fiscal
years, the whole span, single days around the assignments, an empty fiscal year, under every rule
set, JSON and CSV (every rule set), the breakdowns for the fiscal years and the whole span; also
`GET /api/v1/survey` (JSON and CSV) as the coordinator. The expected survey is the one above,
so the assigned stays' absence from the rates' cohorts (the rates do not move when a stay is
assigned) is checked with everything else. Every date is one the API takes (from the admission
to today, never in the future); any answer but the one expected stops the oracle with its body.

A region (`region`, survey v4), in a database of its own: four municipalities imported with
`renkei import municipalities` (one on the deployment's kind of rules from the start, one on the
7-day rule that moved to the admission-window survey in July 2025, one with no rules of its own,
one with rules only from March 2025), facilities placed in them, stays of each and of none (the
episodes file with a `municipality` column and no `admitted_at`). Each stay is judged by the
rules of its municipality in force on its admission date, the deployment's (HANDBOOK_RULES, each
published rule set in turn) where its municipality has none then: its cohort window, exclusions
and notice days. Compared: the whole, `--group-by municipality` (with each group's rules and the
CSV) and `hospital`, and `--municipality CODE` for each (whole and by month; the survey's `rules`
the municipality's on the period's last day), `judged_under` entry by entry; then again after a
second file moves a fifth of the stays to another municipality and a third, without the column,
leaves theirs as they are.

    python3 tests/survey/oracle.py [--renkei target/debug/renkei] [--seed N] [--stays N] [--generated N] [--pathway-b N] [--region N]
    tests/with-postgres.sh python3 tests/survey/oracle.py      # the same on PostgreSQL

On PostgreSQL (TEST_DATABASE_URL set) it works in a database of its own, dropped at the end.
Python 3.9+, standard library only. Exits 1 at the first figure that differs, naming it.
"""
import argparse
import copy
import csv
import datetime as dt
import io
import json
import math
import os
import random
import sqlite3
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict, namedtuple
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from renkei_cli import Renkei  # noqa: E402  (the oracles' shared runner)

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.timedelta(days=1)

DISCHARGE_KINDS = {"discharge_notice", "discharge_conference", "discharge_referral"}
KINDS = ["admission_info", "admission_notice", "discharge_notice", "discharge_conference",
         "discharge_referral", "other"]
METHODS = ["system", "fax", "phone", "visit", "mail", "video", "conference"]
# several first contacts on one day (or all undated): the method is the first of this order
METHOD_ORDER = ["system", "visit", "conference", "video", "phone", "fax", "mail"]
CSV_METHODS = [("システム", "system"), ("FAX", "fax"), ("電話", "phone"), ("訪問", "visit"),
               ("会議", "conference"), ("ビデオ通話", "video"), ("郵送・メール", "mail")]
# (kind, label): the first four labels are the definitions', the others as Renkei printed them
DOCUMENT_KINDS = [
    ("admission_notice", "入院連絡"), ("admission_info", "入院時情報提供書"),
    ("discharge_notice", "退院連絡"), ("discharge_conference", "退院前カンファレンス"),
    ("conference_answer", "退院前カンファレンスへの回答"), ("discharge_referral", "診療情報提供書(退院時)"),
    ("discharge_record", "退院・退所情報記録書"),
]
FACILITY_KINDS = [("hospital", "医療機関"), ("care_office", "居宅介護支援事業所"),
                  ("support_center", "地域包括支援センター"), ("small_multi", "小規模多機能型居宅介護"),
                  ("city", "市・連携支援センター")]
JAPAN = dt.timedelta(hours=9)
CARE_LEVELS = ["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5", "申請中", ""]
TIMING = ["same_day", "day_2_3", "later", "unknown", "none"]
LEAD = ["8+", "5-7", "2-4", "1", "0", "after", "unknown", "none"]

# code, name, kind, area, in_city
FACILITIES = [
    ("H01", "中央病院", "hospital", "中央", True),
    ("H02", "北病院", "hospital", "北部", True),
    ("H03", "市外総合病院", "hospital", "", False),
    ("K01", "居宅介護支援事業所あおば", "care_office", "中央", True),
    ("K02", "居宅介護支援事業所みどり", "care_office", "北部", True),
    ("K03", "居宅介護支援事業所そら", "care_office", "", True),
    ("S01", "地域包括支援センター北", "support_center", "北部", True),
    ("M01", "小規模多機能ホームうみ", "small_multi", "南部", False),
    ("S02", "地域包括支援センター南", "support_center", "南部", True),
    ("C01", "市役所 高齢福祉課", "city", "", True),
]
HOSPITALS = [f[0] for f in FACILITIES if f[2] == "hospital"]
CARE_SIDE = [f[0] for f in FACILITIES if f[2] not in ("hospital", "city")]
STAY_COLUMNS = ["episode_ref", "client_ref", "care_level", "care_office", "hospital", "admitted_on",
                "discharged_on", "destination", "excluded"]
CONTACT_COLUMNS = ["episode_ref", "direction", "kind", "contacted_on", "method"]


class Stay:
    """A stay; `care_office` is the client's care office at admission (None: pathway B),
    `assigned` the dates of the care offices a 地域包括支援センター assigned it (API part only)."""

    def __init__(self, ref, client, care_level, care_office, hospital, admitted, discharged,
                 destination, excluded, planned_respite=False):
        self.ref, self.client, self.care_level = ref, client, care_level
        self.care_office, self.hospital = care_office, hospital
        self.admitted, self.discharged = admitted, discharged
        self.destination, self.excluded = destination, excluded
        self.planned_respite, self.assigned = planned_respite, []

    def row(self):
        return [self.ref, self.client, self.care_level, self.care_office or "", self.hospital,
                self.admitted.isoformat(), iso(self.discharged), self.destination or "",
                "true" if self.excluded else "false"]


def iso(date):
    return date.isoformat() if date else ""


# ---------------------------------------------------------------------------------------------
# Data sets


def random_stay(rng, ref, first, last):
    admitted = first + rng.randrange((last - first).days + 1) * DAY
    length = rng.choice([0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 20, 30, 45, 70])
    discharged = admitted + length * DAY if rng.random() > 0.12 else None
    destination = None
    if discharged:
        destination = rng.choice(["home", "home", "home", "facility", "transfer", "death", None])
    client, care_level = f"C{rng.randrange(10**6):06d}", rng.choice(CARE_LEVELS)
    care_office = rng.choice(CARE_SIDE) if rng.random() > 0.08 else None
    hospital = rng.choice(HOSPITALS)
    excluded = rng.random() < (0.06 if care_office else 0.2)
    return Stay(ref, client, care_level, care_office, hospital, admitted, discharged, destination, excluded)


def random_contacts(rng, stay, today):
    """0 to 6 contacts per stay, dated around its admission and discharge, some undated; some
    with others of the same side on the same day (or undated too) made another way, so that the
    method of the first contact is a tie; 入院連絡 (admission_notice) for the stays without a
    care office, and now and then for the others."""
    contacts = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 6])):
        admission_side = rng.random() < 0.5
        if admission_side:
            direction, kind = "cm_to_hospital", "admission_info"
            around = stay.admitted
        else:
            direction, kind = "hospital_to_cm", rng.choice(sorted(DISCHARGE_KINDS))
            around = stay.discharged or stay.admitted + 10 * DAY
        if rng.random() < 0.15:  # the other direction, or a kind that never counts
            direction = rng.choice(["cm_to_hospital", "hospital_to_cm"])
            kind = rng.choice(KINDS)
        offset = rng.choice([-12, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 9])
        date = around + offset * DAY
        if rng.random() < 0.1 or date > today:
            date = None  # a paper record without a date
        contacts.append((stay.ref, direction, kind, date, rng.choice(METHODS)))
        if rng.random() < 0.25:  # others of the same side that day, or undated as well
            for _ in range(rng.choice([1, 1, 2, 3])):
                other = rng.choice(sorted(DISCHARGE_KINDS)) if kind in DISCHARGE_KINDS else kind
                contacts.append((stay.ref, direction, other, date, rng.choice(METHODS)))
    if stay.care_office is None or rng.random() < 0.05:
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            direction = "hospital_to_cm" if rng.random() < 0.8 else "cm_to_hospital"
            date = stay.admitted + rng.choice([-2, 0, 0, 1, 2, 6, 20]) * DAY
            if rng.random() < 0.25 or date > today:
                date = None
            contacts.append((stay.ref, direction, "admission_notice", date, rng.choice(METHODS)))
    return contacts


def changed(rng, stay, today):
    """The same stay in a later file: discharged at last, another destination, marked."""
    later = copy.copy(stay)
    what = rng.randrange(4)
    if what == 0 or later.discharged is None:
        later.discharged = min(today, later.admitted + rng.choice([0, 3, 9, 40]) * DAY)
        later.destination = rng.choice(["home", "death", None])
    elif what == 1:
        later.destination = rng.choice(["home", "facility", "transfer", "death", None])
    elif what == 2:
        later.excluded = not later.excluded
    else:
        later.care_level = rng.choice(CARE_LEVELS)
        later.care_office = rng.choice(CARE_SIDE + [None])
    return later


# ---------------------------------------------------------------------------------------------
# Users and documents, written straight into the database (there is no import for them)

User = namedtuple("User", "id facility name email role created_at password_hash disabled_at")
Document = namedtuple("Document", "id kind episode sender sender_user recipient "
                                   "sent_at first_read_at acknowledged_at")
Exchange = namedtuple("Exchange", "facility_kinds users documents")  # facility_kinds: code -> kind
PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$b3JhY2xlc2FsdA$b3JhY2xlaGFzaA"  # never used to sign in
ROLES = {"hospital": "discharge_nurse", "city": "coordinator"}


def random_users(rng, facility_kinds, serial, profiles=None):
    """Users of the facilities: none, only disabled ones, only ones without a password, active
    ones, or all of these; each profile is given to some facility when there are enough."""
    codes = sorted(facility_kinds)
    if profiles is None:
        profiles = (["none", "disabled", "no_password", "active", "mixed"] * len(codes))[:len(codes)]
        rng.shuffle(profiles)
    users = []
    for code, profile in zip(codes, profiles):
        kinds = {"none": [], "disabled": ["disabled"] * rng.choice([1, 2]), "no_password": ["no_password"],
                 "active": ["active"] * rng.choice([1, 2]), "mixed": ["disabled", "no_password", "active", "gone"]}
        for state in kinds[profile]:
            serial += 1
            created = dt.datetime(2024, 6, 1) + dt.timedelta(seconds=rng.randrange(600 * 86400))
            disabled = None
            if state in ("disabled", "gone"):
                disabled = created + dt.timedelta(seconds=rng.randrange(1, 200 * 86400))
            role = "admin" if rng.random() < 0.1 else ROLES.get(facility_kinds[code], "care_manager")
            users.append(User(str(uuid.uuid4()), code, f"利用者{serial}", f"oracle{serial}@example.jp", role,
                              created, None if state in ("no_password", "gone") else PASSWORD_HASH, disabled))
    return users


def random_documents(rng, users, facility_kinds, refs, periods, count, without_office=()):
    """Documents of every kind between the facilities: random instants over the edge cases'
    months, and some at 14:59, 14:59:59 and 15:00 UTC on the day before each period and on its
    last day (23:59 and 0:00 in Japan); some to the sender's own facility; unread, read, read and
    acknowledged, from seconds to weeks later."""
    codes = sorted(facility_kinds)
    senders = sorted({u.facility for u in users})
    instants = [dt.datetime(2024, 11, 20) + dt.timedelta(seconds=rng.randrange(270 * 86400))
                for _ in range(count)]
    for start, end, _ in periods:
        for day, times in ((start - DAY, ["14:59:00", "14:59:59", "15:00:00"]), (end, ["14:59:59", "15:00:00"])):
            for time in times:
                instants.append(dt.datetime.combine(day, dt.time.fromisoformat(time)))

    def later(sent, at_least=0):
        """A time after `sent` (and its seconds from `sent`), never x.x5 hours exactly."""
        seconds = at_least + rng.choice([rng.randrange(0, 120), rng.randrange(60, 3600),
                                         rng.randrange(3600, 48 * 3600), rng.randrange(2 * 86400, 30 * 86400)])
        if seconds % 360 == 180:
            seconds += 1
        return sent + dt.timedelta(seconds=seconds), seconds

    documents = []
    for sent in instants:
        sender = rng.choice(senders)
        recipient = sender if rng.random() < 0.1 else rng.choice(codes)
        read = acknowledged = None
        if rng.random() < 0.75:
            read, seconds = later(sent)
            if rng.random() < 0.6:
                acknowledged, _ = later(sent, seconds)
        documents.append(Document(str(uuid.uuid4()), rng.choice(DOCUMENT_KINDS)[0], rng.choice(refs), sender,
                                  rng.choice([u.id for u in users if u.facility == sender]), recipient,
                                  sent, read, acknowledged))
    # 入院連絡 about stays without a care office: to the 地域包括支援センター or the city (these
    # count for the stays without a care manager), or to a care office (which does not)
    places = [c for c in codes if facility_kinds[c] in ("support_center", "city", "care_office")]
    for ref in without_office:
        if rng.random() < 0.5:
            sender = rng.choice(senders)
            documents.append(Document(str(uuid.uuid4()), "admission_notice", ref, sender,
                                      rng.choice([u.id for u in users if u.facility == sender]), rng.choice(places),
                                      rng.choice(instants), None, None))
    return documents


def write_exchange(renkei, users, documents, facilities=()):
    """Writes users and documents into Renkei's database as rows (test-fixture setup: Renkei has no
    import for them), and the facilities of a kind the import refuses (city). Facilities are found
    by code and stays by episode_ref; timestamps are naive UTC, written as `YYYY-MM-DD HH:MM:SS`
    like Renkei's own rows. The same SQL script runs on SQLite (Python's sqlite3 on the file of
    `sqlite://PATH`) and on PostgreSQL (psql)."""
    def literal(value):
        if value is None:
            return "NULL"
        if isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        return "'" + str(value).replace("'", "''") + "'"

    def facility(code):
        return f"(SELECT id FROM facilities WHERE code = {literal(code)})"

    lines = ["BEGIN;"]
    for code, name, kind, area, in_city in facilities:
        lines.append("INSERT INTO facilities (id, code, name, kind, area, in_city, created_at) "
                     f"VALUES ({literal(uuid.uuid4())}, {literal(code)}, {literal(name)}, {literal(kind)}, "
                     f"{literal(area or None)}, {'TRUE' if in_city else 'FALSE'}, "
                     f"{literal(dt.datetime(2024, 4, 1))});")
    for u in users:
        lines.append("INSERT INTO users (id, facility_id, name, email, role, created_at, password_hash, disabled_at) "
                     f"VALUES ({literal(u.id)}, {facility(u.facility)}, {literal(u.name)}, {literal(u.email)}, "
                     f"{literal(u.role)}, {literal(u.created_at)}, {literal(u.password_hash)}, "
                     f"{literal(u.disabled_at)});")
    for d in documents:
        lines.append("INSERT INTO documents (id, kind, episode_id, sender_facility_id, sender_user_id, "
                     "recipient_facility_id, current_revision, sent_at, first_read_at, acknowledged_at) "
                     f"VALUES ({literal(d.id)}, {literal(d.kind)}, "
                     f"(SELECT id FROM episodes WHERE external_ref = {literal(d.episode)}), {facility(d.sender)}, "
                     f"{literal(d.sender_user)}, {facility(d.recipient)}, 1, {literal(d.sent_at)}, "
                     f"{literal(d.first_read_at)}, {literal(d.acknowledged_at)});")
    lines.append("COMMIT;")
    script = "\n".join(lines) + "\n"
    url = renkei.env["DATABASE_URL"]
    if url.startswith("sqlite://"):
        db = sqlite3.connect(url[len("sqlite://"):].split("?")[0])
        try:
            db.executescript(script)
        finally:
            db.close()
    else:
        done = subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], input=script.encode(),
                              capture_output=True)
        if done.returncode != 0:
            sys.exit(f"psql could not write the users and documents:\n{done.stderr.decode(errors='replace')}")


# ---------------------------------------------------------------------------------------------
# The survey, from the definitions


def wareki(year):
    if year >= 2019:
        return "令和元年度" if year == 2019 else f"令和{year - 2018}年度"
    return "平成元年度" if year == 1989 else f"平成{year - 1988}年度"


def group_key(group_by, stay, side, facilities):
    """(key, label) of a stay on one side of the survey; facilities: code -> (name, area, in_city)."""
    if group_by == "municipality":
        code = getattr(stay, "municipality", None) or ""
        return code, MUNICIPALITY_NAMES.get(code, "（市町村の登録なし）")
    if group_by in ("hospital", "care_office"):
        code = stay.hospital if group_by == "hospital" else stay.care_office
        return code, facilities[code][0]
    if group_by == "area":
        area = facilities[stay.care_office][1]
        return area, area or "（未設定）"
    if group_by == "hospital_in_city":
        place = "市内" if facilities[stay.hospital][2] else "市外"
        return place, f"{place}の医療機関"
    if group_by == "care_level":
        level = stay.care_level
        key = "要支援" if level.startswith("要支援") else "要介護" if level.startswith("要介護") else "申請中・その他"
        return key, key
    date = stay.admitted if side == "admission" else stay.discharged
    return f"{date.year}-{date.month:02d}", f"{date.year}年{date.month}月"


def empty_figures():
    return {
        "admission": {"cohort": 0, "contacted": 0, "rate": None, "excluded": 0,
                      "timing": dict.fromkeys(TIMING, 0), "method": dict.fromkeys(METHOD_ORDER, 0)},
        "discharge": {"cohort": 0, "contacted": 0, "rate": None, "on_time": 0, "on_time_rate": None,
                      "died": 0, "excluded": 0, "in_hospital": 0, "lead_time": dict.fromkeys(LEAD, 0),
                      "method": dict.fromkeys(METHOD_ORDER, 0)},
    }


def first_method(contacts):
    """The method of the first contact among several of the same day, or all undated."""
    return min((c[4] for c in contacts), key=METHOD_ORDER.index)


def is_excluded(stay, rules):
    if stay.excluded:
        return True
    short = rules["exclusions"].get("short_stay_max_days")
    if short is not None and stay.discharged is not None and (stay.discharged - stay.admitted).days + 1 <= short:
        return True
    # planned respite cannot be imported: only stays registered through the API are
    return bool(stay.planned_respite and rules["exclusions"].get("planned_respite"))


def admission_timing(stay, contacts, bound):
    """The bucket of the first admission-info contact made up to the bound (None: no bound),
    and the method of that first contact (None when the stay is not contacted)."""
    mine = [c for c in contacts if c[1] == "cm_to_hospital" and c[2] == "admission_info"]
    dated = [c for c in mine if c[3] is not None and (bound is None or c[3] <= bound)]
    if dated:
        first = min(c[3] for c in dated)
        day = (first - stay.admitted).days + 1  # day 1 is the admission date
        bucket = "same_day" if day <= 1 else "day_2_3" if day <= 3 else "later"
        return bucket, first_method(c for c in dated if c[3] == first)
    undated = [c for c in mine if c[3] is None]
    return ("unknown", first_method(undated)) if undated else ("none", None)


def discharge_lead(stay, contacts, notice_days):
    """The lead-time bucket of the first dated discharge contact, whether it is on time, and
    its method when the stay counts as contacted (lead ≥ 0; else None)."""
    mine = [c for c in contacts if c[1] == "hospital_to_cm" and c[2] in DISCHARGE_KINDS]
    dated = [c for c in mine if c[3] is not None]
    if not dated:
        return ("unknown" if mine else "none"), False, None
    first = min(c[3] for c in dated)
    lead = (stay.discharged - first).days
    bucket = ("8+" if lead >= 8 else "5-7" if lead >= 5 else "2-4" if lead >= 2 else
              "1" if lead == 1 else "0" if lead == 0 else "after")
    method = first_method(c for c in dated if c[3] == first) if lead >= 0 else None
    return bucket, lead >= notice_days, method


def japan_date(instant):
    """The calendar date in Japan (UTC+9) of a naive UTC instant."""
    return (instant + JAPAN).date()


def tenth_hours(seconds):
    """Seconds as hours to one decimal, rounded half away from zero (the values are ≥ 0)."""
    return math.floor(Fraction(seconds, 360) + Fraction(1, 2)) / 10


def hours(seconds):
    """Median and 90th percentile by nearest rank (the ⌈p/100 × n⌉-th smallest), in hours."""
    values = sorted(seconds)
    if not values:
        return {"median": None, "p90": None}

    def rank(p):
        return values[(p * len(values) + 99) // 100 - 1]  # the ⌈p·n/100⌉-th, counted from 1
    return {"median": tenth_hours(rank(50)), "p90": tenth_hours(rank(90))}


def expected_exchange(exchange, start, end):
    """`speed` and `participation` of a period, from the users and documents written here, and
    the stays (episode_refs) with an 入院連絡 document to a 地域包括支援センター or the city (any
    date: it counts for the stays without a care manager)."""
    sent = [d for d in exchange.documents
            if d.sender != d.recipient and start <= japan_date(d.sent_at) <= end]
    speed = []
    for kind, label in DOCUMENT_KINDS:
        mine = [d for d in sent if d.kind == kind]
        read = [int((d.first_read_at - d.sent_at).total_seconds()) for d in mine if d.first_read_at]
        acknowledged = [int((d.acknowledged_at - d.sent_at).total_seconds()) for d in mine if d.acknowledged_at]
        speed.append({"kind": kind, "label": label, "sent": len(mine), "read": len(read),
                      "acknowledged": len(acknowledged), "hours_to_read": hours(read),
                      "hours_to_acknowledgement": hours(acknowledged)})
    active = {u.facility for u in exchange.users if u.password_hash is not None and u.disabled_at is None}
    exchanging = {d.sender for d in sent} | {d.recipient for d in sent}
    participation = []
    for kind, label in FACILITY_KINDS:
        codes = {code for code, k in exchange.facility_kinds.items() if k == kind}
        participation.append({"kind": kind, "label": label, "facilities": len(codes),
                              "with_active_user": len(codes & active), "exchanging": len(codes & exchanging)})
    notified = {d.episode for d in exchange.documents
                if d.kind == "admission_notice" and exchange.facility_kinds.get(d.recipient) in ("support_center", "city")}
    return speed, participation, notified


def median(values):
    """The median as a float; of an even count, the mean of the two middle values; None of none."""
    values = sorted(values)
    n = len(values)
    if not n:
        return None
    return float(values[n // 2]) if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def cutoff_under(rules, end):
    window = rules["survey_window"]
    return end + window.get("follow_up_days", 0) * DAY if window["mode"] == "admission_window" else None


def expected_survey(stays, contacts_of, facilities, exchanged, rules, start, end, group_by, judge=None,
                    judged_under=({"municipality": None},)):
    """The whole survey; `exchanged` is the period's (speed, participation, notified stays)
    (`expected_exchange`). `judge` gives the rules each stay is judged by (in a region, its
    municipality's); `rules` are then the survey's own, whose cut-off the period reports."""
    judge = judge or (lambda stay: rules)
    period_cutoff = cutoff_under(rules, end)
    whole, groups, labels = empty_figures(), defaultdict(empty_figures), {}
    without_care_manager = {"stays": 0, "admission_notice": 0, "assigned": 0, "median_days_to_assignment": None}

    def add(stay, side, counter, bucket=None, keyed_by=None, method=None):
        """Counts a stay on one side; its group is that of `keyed_by` (default: the same side)."""
        targets = [whole]
        if group_by:
            key, label = group_key(group_by, stay, keyed_by or side, facilities)
            labels[key] = label
            targets.append(groups[key])
        for figures in targets:
            figures[side][counter] += 1
            if bucket:
                figures[side]["timing" if side == "admission" else "lead_time"][bucket] += 1
            if method:
                figures[side]["method"][method] += 1

    days_to_assignment = []
    for stay in stays:
        contacts = contacts_of.get(stay.ref, [])
        stay_rules = judge(stay)
        cutoff = cutoff_under(stay_rules, end)
        excluded = is_excluded(stay, stay_rules)
        admitted_in_period = start <= stay.admitted <= end
        if stay.care_office is None:
            # no care office at admission: in no cohort, not even excluded, assigned one later
            # or not; pathway B instead
            if admitted_in_period and not excluded:
                without_care_manager["stays"] += 1
                if stay.ref in exchanged[2] or any(
                        c[1] == "hospital_to_cm" and c[2] == "admission_notice" for c in contacts):
                    without_care_manager["admission_notice"] += 1
                if stay.assigned:
                    first = min(stay.assigned)  # the earliest assignment counts, whenever made
                    if stay.discharged is None or first <= stay.discharged:
                        without_care_manager["assigned"] += 1
                        days_to_assignment.append((first - stay.admitted).days)
            continue
        if admitted_in_period:
            if excluded:
                add(stay, "admission", "excluded")
            else:
                bound = stay.discharged
                if cutoff is not None:
                    bound = min(bound, cutoff) if bound else cutoff
                timing, method = admission_timing(stay, contacts, bound)
                add(stay, "admission", "cohort", timing)
                if timing != "none":
                    add(stay, "admission", "contacted", method=method)
                last_day = cutoff or end
                if stay.discharged is None or stay.discharged > last_day:
                    # reported beside the discharge figures, in the group of the admission
                    add(stay, "discharge", "in_hospital", keyed_by="admission")
        if cutoff is None:
            on_discharge_side = stay.discharged is not None and start <= stay.discharged <= end
        else:
            on_discharge_side = admitted_in_period and stay.discharged is not None and stay.discharged <= cutoff
        if on_discharge_side:
            if excluded:
                add(stay, "discharge", "excluded")
            elif stay.destination == "death":
                add(stay, "discharge", "died")
            else:
                bucket, on_time, method = discharge_lead(stay, contacts, stay_rules["discharge_notice_min_days"])
                add(stay, "discharge", "cohort", bucket)
                if bucket not in ("after", "unknown", "none"):
                    add(stay, "discharge", "contacted", method=method)
                if on_time:
                    add(stay, "discharge", "on_time")

    without_care_manager["median_days_to_assignment"] = median(days_to_assignment)

    def rates(figures):
        a, d = figures["admission"], figures["discharge"]
        a["rate"] = a["contacted"] / a["cohort"] if a["cohort"] else None
        d["rate"] = d["contacted"] / d["cohort"] if d["cohort"] else None
        d["on_time_rate"] = d["on_time"] / d["cohort"] if d["cohort"] else None
        return figures

    period = {"from": start.isoformat(), "to": end.isoformat()}
    if period_cutoff:
        period["cutoff"] = period_cutoff.isoformat()
    if start.month == 4 and start.day == 1 and end == dt.date(start.year + 1, 3, 31):
        period["fiscal_year"] = start.year
        period["fiscal_year_label"] = wareki(start.year)
    speed, participation, _ = exchanged
    result = {"period": period, "judged_under": list(judged_under), **rates(whole),
              "groups": [{"key": k, "label": labels[k], **rates(groups[k])} for k in sorted(groups)],
              "speed": speed, "participation": participation, "without_care_manager": without_care_manager}
    if group_by:
        result["group_by"] = group_by
    return result


# ---------------------------------------------------------------------------------------------
# Running Renkei



def period_args(start, end, as_fiscal_year):
    if as_fiscal_year:
        return ["--fiscal-year", str(start.year)]
    return ["--from", start.isoformat(), "--to", end.isoformat()]


def compare(expected, actual, where, path=""):
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key == "rules":
                continue
            if key not in actual or key not in expected:
                sys.exit(f"{where}: {path}/{key} is {'missing' if key not in actual else 'unexpected'}")
            compare(expected[key], actual[key], where, f"{path}/{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        # groups are known by their key, the entries of speed and participation by their kind
        def name(entry):
            return entry.get("key", entry.get("kind")) if isinstance(entry, dict) else entry
        keys = [name(g) for g in expected], [name(g) for g in actual]
        if keys[0] != keys[1]:
            sys.exit(f"{where}: {path} entries {keys[1]}, expected {keys[0]}")
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(e, a, where, f"{path}/{i}({name(e)})")
    elif expected != actual or type(expected) is not type(actual):
        sys.exit(f"{where}: {path} is {actual!r}, expected {expected!r}")


CSV_COLUMNS = [  # the CSV's Japanese header, and the figure under it
    ("区分コード", None), ("区分", None),
    ("入院_対象件数", "admission/cohort"), ("入院_連絡あり", "admission/contacted"),
    ("入院時情報提供率(%)", "admission/rate%"),
    ("入院_当日まで", "admission/timing/same_day"), ("入院_2〜3日目", "admission/timing/day_2_3"),
    ("入院_4日目以降", "admission/timing/later"), ("入院_日付不明", "admission/timing/unknown"),
    ("入院_連絡なし", "admission/timing/none"), ("入院_対象外", "admission/excluded"),
    ("退院_対象件数", "discharge/cohort"), ("退院_連絡あり", "discharge/contacted"),
    ("退院連絡率(%)", "discharge/rate%"),
    ("退院_{n}までに連絡", "discharge/on_time"), ("退院{n}連絡率(%)", "discharge/on_time_rate%"),
    ("退院_8日以上前", "discharge/lead_time/8+"), ("退院_5〜7日前", "discharge/lead_time/5-7"),
    ("退院_2〜4日前", "discharge/lead_time/2-4"), ("退院_前日", "discharge/lead_time/1"),
    ("退院_当日", "discharge/lead_time/0"), ("退院_退院後", "discharge/lead_time/after"),
    ("退院_日付不明", "discharge/lead_time/unknown"), ("退院_連絡なし", "discharge/lead_time/none"),
    ("死亡退院", "discharge/died"), ("退院_対象外", "discharge/excluded"), ("入院中", "discharge/in_hospital"),
] + [(f"{side_label}_方法_{label}", f"{side}/method/{method}")
     for side, side_label in (("admission", "入院"), ("discharge", "退院")) for label, method in CSV_METHODS]
# the tables after the first one, each after an empty line
SPEED_HEADER = ["伝達スピード（書類の種類）", "送付件数", "既読件数", "確認件数", "既読までの時間_中央値(時間)",
                "既読までの時間_90%値(時間)", "確認までの時間_中央値(時間)", "確認までの時間_90%値(時間)"]
PARTICIPATION_HEADER = ["参加状況（事業所の種類）", "登録数", "利用者のいる事業所", "期間中に書類を送受信した事業所"]
WITHOUT_CARE_MANAGER_HEADER = ["担当ケアマネジャーのいない入院", "入院件数", "入院連絡あり（地域包括支援センター・市）",
                               "退院までに担当が決まった件数", "担当決定までの日数_中央値"]


def csv_cell(figures, path):
    value = figures
    for part in path.rstrip("%").split("/"):
        value = value[part]
    if path.endswith("%"):
        return "" if value is None else f"{value * 100:.1f}"
    return str(value)


def hours_cell(value):
    return "" if value is None else f"{value:.1f}"


def compare_csv(expected, data, n, where):
    if not data.startswith(b"\xef\xbb\xbf"):
        sys.exit(f"{where}: the CSV has no byte order mark, so Excel would not read it as UTF-8")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    empty = None  # an empty line: Renkei's CSV writer writes it as `""`, Excel shows it empty either way
    # N days ahead (「5日前」), or the rules' deadline (「期限」) when a region's rules differ in N
    wanted = [[name.format(n="期限" if n is None else f"{n}日前") for name, _ in CSV_COLUMNS]]
    for key, label, figures in [("", "全体", expected)] + [(g["key"], g["label"], g) for g in expected["groups"]]:
        wanted.append([key, label] + [csv_cell(figures, path) for _, path in CSV_COLUMNS[2:]])
    wanted += [empty, SPEED_HEADER]
    for e in expected["speed"]:
        wanted.append([e["label"], str(e["sent"]), str(e["read"]), str(e["acknowledged"])]
                      + [hours_cell(e[h][p]) for h in ("hours_to_read", "hours_to_acknowledgement")
                         for p in ("median", "p90")])
    wanted += [empty, PARTICIPATION_HEADER]
    for e in expected["participation"]:
        wanted.append([e["label"], str(e["facilities"]), str(e["with_active_user"]), str(e["exchanging"])])
    b = expected["without_care_manager"]
    days = b["median_days_to_assignment"]
    wanted += [empty, WITHOUT_CARE_MANAGER_HEADER,  # the median in days, with one decimal
               ["全体", str(b["stays"]), str(b["admission_notice"]), str(b["assigned"]),
                "" if days is None else f"{days:.1f}"]]
    if len(rows) != len(wanted):
        sys.exit(f"{where}: {len(rows)} CSV rows, expected {len(wanted)}")
    for i, (row, cells) in enumerate(zip(rows, wanted), 1):
        if cells is empty:
            if row not in ([], [""]):
                sys.exit(f"{where}: CSV line {i} is {row}, expected an empty line")
        elif row != cells:
            sys.exit(f"{where}: CSV line {i} is {row}, expected {cells}")


# ---------------------------------------------------------------------------------------------


GROUP_BY = [None, "hospital", "care_office", "month", "area", "care_level", "hospital_in_city"]


def check_surveys(renkei, facilities, exchange, stays, contacts, rule_sets, periods, step,
                  breakdowns=lambda start, end: GROUP_BY, csv_rules=("default",)):
    """Every rule set, period and breakdown (those `breakdowns` gives for the period): Renkei's
    survey against the definitions; the CSV too, under the rule sets of `csv_rules`, of the
    periods that start on the 1st of a month."""
    contacts_of = defaultdict(list)
    for c in contacts:
        contacts_of[c[0]].append(c)
    compared = 0
    for rules_id, rules in rule_sets.items():
        for start, end, as_fiscal_year in periods:
            exchanged = expected_exchange(exchange, start, end)  # the same under every rule set and breakdown
            for group_by in breakdowns(start, end):
                asked = period_args(start, end, as_fiscal_year) + (["--group-by", group_by] if group_by else [])
                where = f"{renkei.engine}, {step}, HANDBOOK_RULES={rules_id} renkei survey {' '.join(asked)}"
                expected = expected_survey(stays, contacts_of, facilities, exchanged, rules, start, end, group_by)
                actual = json.loads(renkei.run(["survey", *asked], rules_id))
                compare(expected, actual, where)
                for name in ("id", "version", "discharge_notice_min_days"):
                    if actual["rules"][name] != rules[name]:
                        sys.exit(f"{where}: rules/{name} is {actual['rules'][name]!r}, expected {rules[name]!r}")
                if rules_id in csv_rules and start.day == 1:
                    data = renkei.run(["survey", *asked, "--format", "csv"], rules_id)
                    compare_csv(expected, data, rules["discharge_notice_min_days"], where + " --format csv")
                compared += 1
    return compared


def edge_cases(renkei, rng, count, rule_sets):
    """Two files of random stays and contacts, dense with edge cases, around 2025, and after each
    the users and documents written straight into the database beside them."""
    today = dt.date.today()
    first, last = dt.date(2024, 12, 1), dt.date(2025, 7, 31)
    periods = [  # (from, to, asked as a fiscal year)
        (dt.date(2025, 4, 1), dt.date(2025, 4, 30), False),
        (dt.date(2024, 4, 1), dt.date(2025, 3, 31), True),
        (dt.date(2025, 4, 1), dt.date(2026, 3, 31), False),
        (dt.date(2025, 3, 31), dt.date(2025, 3, 31), False),
        (dt.date(2024, 1, 1), dt.date(2026, 3, 31), False),
        (dt.date(2018, 4, 1), dt.date(2019, 3, 31), True),  # nothing in it: null rates
    ]
    for _ in range(3):  # periods that cut through stays anywhere
        start = first + rng.randrange(260) * DAY
        periods.append((start, start + rng.choice([0, 6, 30, 90]) * DAY, False))

    renkei.import_rows("facilities", ["code", "name", "kind", "area", "in_city"],  # the import takes no city
                       [[c, n, k, a, "true" if i else "false"] for c, n, k, a, i in FACILITIES if k != "city"])
    facilities = {f[0]: (f[1], f[3], f[4]) for f in FACILITIES}
    exchange = Exchange({f[0]: f[2] for f in FACILITIES}, [], [])
    stays = [random_stay(rng, f"E{i:05d}", first, last) for i in range(count)]
    contacts = [c for s in stays for c in random_contacts(rng, s, today)]
    later = [changed(rng, s, today) for s in rng.sample(stays, count // 5)]
    later += [random_stay(rng, f"F{i:05d}", first, last) for i in range(count // 10)]
    by_ref = {s.ref: s for s in stays + later}
    more = rng.sample(contacts, len(contacts) // 4)  # repeated rows change nothing
    more += [c for s in rng.sample(list(by_ref.values()), len(by_ref) // 4) for c in random_contacts(rng, s, today)]
    # the same contacts made another way on the same day (or undated too): where the new way comes
    # first in the order, the later file changes the method of a stay's first contact
    more += [(r, d, k, on, rng.choice(METHODS)) for r, d, k, on, _ in rng.sample(contacts, len(contacts) // 12)]

    stored, all_contacts, compared = {}, [], 0
    for step, (stay_rows, contact_rows) in enumerate([(stays, contacts), (later, more)], 1):
        renkei.import_rows("episodes", STAY_COLUMNS, [s.row() for s in stay_rows])
        renkei.import_rows("contacts", CONTACT_COLUMNS, [[r, d, k, iso(on), m] for r, d, k, on, m in contact_rows])
        stored.update((s.ref, s) for s in stay_rows)
        all_contacts += contact_rows
        # users and documents (no import exists for them): users for the whole directory with the
        # first file, a few more for some facilities with the second; documents about the stays
        # stored so far, and the city's facility, which the import refuses
        if step == 1:
            users = random_users(rng, exchange.facility_kinds, 0)
        else:
            profiles = [rng.choice(["none", "none", "active", "no_password"]) for _ in exchange.facility_kinds]
            users = random_users(rng, exchange.facility_kinds, len(exchange.users), profiles)
        without_office = sorted(r for r, s in stored.items() if s.care_office is None)
        documents = random_documents(rng, exchange.users + users, exchange.facility_kinds, sorted(stored),
                                     periods, count // (6 if step == 1 else 25), without_office)
        write_exchange(renkei, users, documents, [f for f in FACILITIES if f[2] == "city"] if step == 1 else ())
        exchange.users.extend(users)
        exchange.documents.extend(documents)
        compared += check_surveys(renkei, facilities, exchange, list(stored.values()), all_contacts, rule_sets,
                                  periods, f"edge cases, after file {step}")
    return compared, len(stored), len(all_contacts), len(exchange.documents)


def generated(renkei, count, rule_sets):
    """`renkei generate`'s realistic decade, read back from its files: every fiscal year."""
    out = Path(renkei.work) / "generated"
    renkei.run(["generate", "--episodes", str(count), "--output", str(out)])

    def rows(name):
        with open(out / name, newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))

    def date(text):
        return dt.date.fromisoformat(text) if text else None

    facilities = {r["code"]: (r["name"], r["area"], r["in_city"] == "true") for r in rows("facilities.csv")}
    exchange = Exchange({r["code"]: r["kind"] for r in rows("facilities.csv")}, [], [])  # no users, no documents
    stays = [Stay(r["episode_ref"], r["client_ref"], r["care_level"], r["care_office"] or None, r["hospital"],
                  date(r["admitted_on"]), date(r["discharged_on"]), r["destination"] or None, r["excluded"] == "true")
             for r in rows("episodes.csv")]
    contacts = [(r["episode_ref"], r["direction"], r["kind"], date(r["contacted_on"]), r["method"])
                for r in rows("contacts.csv")]
    for table in ("facilities", "episodes", "contacts"):
        renkei.run(["import", table, str(out / f"{table}.csv")])
    years = sorted({s.admitted.year - (s.admitted.month < 4) for s in stays})
    periods = [(dt.date(y, 4, 1), dt.date(y + 1, 3, 31), True) for y in years]
    periods.append((dt.date(years[0], 4, 1), dt.date(years[-1] + 1, 3, 31), False))
    compared = check_surveys(renkei, facilities, exchange, stays, contacts, rule_sets, periods, "generated")
    return compared, len(stays), len(contacts), 0


# ---------------------------------------------------------------------------------------------
# Pathway B through the HTTP API: a 地域包括支援センター assigns care offices

# code, name, kind, area, in_city
B_FACILITIES = [
    ("BH1", "連携総合病院", "hospital", "中央", True),
    ("BK1", "居宅介護支援事業所ひかり", "care_office", "中央", True),
    ("BK2", "居宅介護支援事業所かぜ", "care_office", "北部", False),
    ("BS1", "地域包括支援センター中央", "support_center", "中央", True),
]
# who, facility, name, role, given a password (a user who can sign in, for `participation`)
B_USERS = [
    ("nurse", "BH1", "看護 ひとみ", "discharge_nurse", True),
    ("centre", "BS1", "包括 まもる", "care_manager", True),
    ("cm", "BK1", "居宅 みのり", "care_manager", False),
    ("coordinator", "BH1", "集計 さとし", "coordinator", False),
]
SURNAMES = [("青木", "アオキ"), ("石井", "イシイ"), ("上田", "ウエダ"), ("遠藤", "エンドウ"), ("小川", "オガワ"),
            ("加藤", "カトウ"), ("木村", "キムラ"), ("工藤", "クドウ"), ("近藤", "コンドウ"), ("佐々木", "ササキ")]
GIVEN_NAMES = [("花子", "ハナコ", "female"), ("正男", "マサオ", "male"), ("幸子", "サチコ", "female"),
               ("茂", "シゲル", "male"), ("和子", "カズコ", "female"), ("勇", "イサム", "male"),
               ("キヨ", "キヨ", "female"), ("清", "キヨシ", "male")]
API_CARE_LEVELS = ["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5", "申請中", "区分変更", "未申請"]
API_METHODS = ["fax", "phone", "visit", "mail", "video", "conference"]  # `system` is Renkei's own
DESTINATIONS = ["home", "home", "facility", "transfer", "death"]


class Server:
    """`renkei serve` on a free loopback port, on the database of `renkei`, and JSON requests to it.
    SMTP_URL unset: mail (there is none, the facilities have no contact windows) would be
    written to a folder of the work folder. Stopped by `stop`, whatever happened."""

    def __init__(self, renkei, where):
        self.where = where
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        env = dict(renkei.env, BIND_ADDR=f"127.0.0.1:{port}", PUBLIC_URL=self.base, HANDBOOK_RULES="default",
                   MAIL_DIR=str(Path(renkei.work) / "mail"), RATE_LIMIT_PER_MINUTE="1000000")
        env.pop("SMTP_URL", None)
        self.log_path = Path(renkei.work) / "serve.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([renkei.binary, "serve"], env=env, cwd=renkei.work,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        # no proxy, whatever the environment says: the server is on this machine
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                self.fail(f"renkei serve stopped with code {self.process.returncode}")
            try:
                with self.opener.open(self.base + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:  # not listening yet (URLError is an OSError)
                pass
            if time.monotonic() > deadline:
                self.fail("renkei serve did not answer /healthz within 30 s")
            time.sleep(0.05)

    def fail(self, message):
        self.stop()
        log = self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        sys.exit(f"{self.where}: {message}\n--- renkei serve's output ---\n{log}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def call(self, method, path, token, body=None, expect=(200, 201), raw=False):
        """The answer's JSON (its bytes with `raw`); any status outside `expect` fails loudly."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=60) as answer:
                status, content = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            status, content = refused.code, refused.read()
        if status not in expect:
            sent = "" if body is None else f"\nrequest: {json.dumps(body, ensure_ascii=False)}"
            self.fail(f"{method} {path} answered {status}, expected {' or '.join(map(str, expect))}{sent}\n"
                      f"answer: {content.decode(errors='replace')}")
        return content if raw else json.loads(content) if content else None


def utc_instant(text):
    """A timestamp Renkei returned (RFC 3339, any number of decimals) as a naive UTC datetime."""
    found = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):(\d\d))", text)
    if not found:
        sys.exit(f"pathway B: {text!r} is not a timestamp")
    instant = dt.datetime.fromisoformat(found[1]).replace(microsecond=int((found[2] or "0")[:6].ljust(6, "0")))
    if found[3] == "Z":
        return instant
    offset = dt.timedelta(hours=int(found[5]), minutes=int(found[6]))
    return instant - offset if found[4] == "+" else instant + offset


def b_person(rng, serial):
    """A person as the API registers them (a unique 被保険者番号 each)."""
    (surname, surname_kana), (given, given_kana, sex) = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
    born = dt.date(1928, 1, 1) + rng.randrange(27 * 365) * DAY
    return {"name": f"{surname} {given}", "name_kana": f"{surname_kana} {given_kana}",
            "birth_date": born.isoformat(), "sex": sex, "insurance_number": f"{8100000000 + serial:010d}"}


def b_plans(rng, count, today):
    """What happens to each stay registered through the API, planned before any request: the
    stays without a care office (pathway B: the 入院連絡 to the centre, hand-recorded notices,
    a notice to a care office, the assignments in the order they are made, the discharge) and the
    ordinary stays of clients of a care office (their contacts and discharge). Each assignment or
    discharge is made in phase 1 (before the first check) or 2; a second assignment after the
    first. Every date lies between the admission and today, as the API wants."""
    first_day = dt.date(2025, 1, 1)

    def day_in(low, high):
        return low + rng.randrange((high - low).days + 1) * DAY

    def plan(person, admitted, respite, office=None):
        return SimpleNamespace(person=person, admitted=admitted, respite=respite, office=office, notice=False,
                               notice_to_office=False, hand_notices=[], assign=[], discharge=None, contacts=[],
                               stay=None, id=None)

    def discharge(p, on):
        p.discharge = (min(on, today), rng.choice(DESTINATIONS), rng.choice([1, 2]))

    def assignments(p, offsets):
        """Assignments `offsets` days after the admission, in this order (capped at today)."""
        phase = rng.choice([1, 2])
        for i, offset in enumerate(offsets):
            p.assign.append((min(p.admitted + offset * DAY, today), rng.choice(["BK1", "BK2"]), phase if i == 0 else 2))

    serial, plans = 0, []
    # pathway B, the cases that must be there: (assignments' offsets in the order made, discharge
    # offset, planned respite, 入院連絡: "centre" a document to the centre (which can then assign),
    # "office" one to a care office, "hand" a hospital→CM contact recorded by hand, "back" a CM→hospital
    # one; only "centre" and "hand" count)
    fixed = [([0], 0, False, "centre"),        # assigned and discharged on the admission day: 0 days
             ([6, 2], 4, False, "centre"),     # the later first; the earlier one counts: assigned
             ([1, 9], 5, False, "centre"),     # the earlier first, the later after the discharge
             ([5], 3, False, "centre"),        # discharged before the assignment: not assigned
             ([5], 5, False, "centre"),        # discharged on the assignment day: assigned
             ([3], None, False, "centre"),     # still in hospital: assigned
             ([0, 12], None, False, "centre office hand"),  # one stay with an 入院連絡, however many
             ([7], None, True, "centre"),      # planned respite (excluded by paper-survey)
             ([2], 20, True, "centre"),
             ([1], 2, False, "centre"),        # a short stay (excluded by paper-survey)
             ([], 6, False, "centre"),         # notified, never assigned
             ([], None, False, ""),            # nobody notified
             ([], 9, False, "office"),         # told, but not whom the definition counts
             ([], None, False, "hand"),
             ([], 1, False, "back")]
    for offsets, stay_days, respite, notified in fixed:
        serial += 1
        p = plan(b_person(rng, serial), day_in(first_day, today - 40 * DAY), respite)
        p.notice, p.notice_to_office = "centre" in notified, "office" in notified
        for way, direction in (("hand", "hospital_to_cm"), ("back", "cm_to_hospital")):
            if way in notified:
                p.hand_notices.append((direction, p.admitted + rng.choice([0, 1, 3]) * DAY, rng.choice(API_METHODS)))
        assignments(p, offsets)
        if stay_days is not None:
            discharge(p, p.admitted + stay_days * DAY)
        plans.append(p)
    for _ in range(max(0, count - len(fixed))):
        serial += 1
        admitted = day_in(today - 12 * DAY, today) if rng.random() < 0.15 else day_in(first_day, today)
        p = plan(b_person(rng, serial), admitted, rng.random() < 0.15)
        p.notice = rng.random() < 0.75
        p.notice_to_office = rng.random() < 0.1  # a care office is not whom the definition counts
        for direction in ("hospital_to_cm", "cm_to_hospital"):
            if rng.random() < (0.2 if direction == "hospital_to_cm" else 0.08):
                p.hand_notices.append((direction, min(admitted + rng.choice([0, 0, 1, 3]) * DAY, today),
                                       rng.choice(API_METHODS)))
        if p.notice and rng.random() < 0.8:
            offsets = [rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15, 25])]
            if rng.random() < 0.3:
                offsets.append(offsets[0] + rng.choice([1, 3, 10]) if rng.random() < 0.5 or not offsets[0]
                               else rng.randrange(offsets[0]))
            assignments(p, offsets)
        if rng.random() < 0.75:
            discharge(p, admitted + rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35]) * DAY)
        plans.append(p)
    # ordinary stays: clients of a care office, with hand-recorded contacts
    ordinary = []
    for _ in range(max(4, count // 3)):
        serial += 1
        person = dict(b_person(rng, serial), care_level=rng.choice(API_CARE_LEVELS))
        p = plan(person, day_in(first_day, today), rng.random() < 0.2, "BK1")
        if rng.random() < 0.7:
            discharge(p, p.admitted + rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35]) * DAY)
        ordinary_contacts(rng, p, today)
        ordinary.append(p)
    return plans, ordinary


def ordinary_contacts(rng, p, today):
    """Contacts recorded by hand about a stay with a care office: the care manager's admission
    information (now and then another kind), the hospital's discharge contacts, none in the future."""
    for _ in range(rng.choice([0, 1, 1, 2])):
        kind = "admission_info" if rng.random() < 0.9 else "other"
        on = p.admitted + rng.choice([-2, -1, 0, 0, 1, 2, 3, 5, 9]) * DAY
        if on <= today:
            p.contacts.append(("cm", "cm_to_hospital", kind, on, rng.choice(API_METHODS)))
    planned_end = p.discharge[0] if p.discharge else p.admitted + 12 * DAY
    for _ in range(rng.choice([0, 1, 1, 2])):
        on = planned_end - rng.choice([10, 7, 5, 4, 2, 1, 0, -1]) * DAY
        if on <= today:
            p.contacts.append(("nurse", "hospital_to_cm", rng.choice(sorted(DISCHARGE_KINDS)), on,
                               rng.choice(API_METHODS)))


def pathway_b(renkei, rng, count, rule_sets):
    """Stays without a care office, registered, notified, assigned and discharged through the
    HTTP API of a `renkei serve` of its own, beside ordinary stays; the survey compared in
    between and at the end."""
    today = dt.date.today()
    japan_today = (dt.datetime.now(dt.timezone.utc) + JAPAN).date()
    today = min(today, japan_today)  # never a date the API finds in the future
    where = f"{renkei.engine}, pathway B"
    renkei.import_rows("facilities", ["code", "name", "kind", "area", "in_city"],
                       [[c, n, k, a, "true" if i else "false"] for c, n, k, a, i in B_FACILITIES])
    facilities = {f[0]: (f[1], f[3], f[4]) for f in B_FACILITIES}
    exchange = Exchange({f[0]: f[2] for f in B_FACILITIES}, [], [])
    tokens, user_ids = {}, {}
    for who, code, name, role, password in B_USERS:
        email = f"{who}@oracle-b.example.jp"
        created = renkei.run(["admin", "create-user", "--facility", code, "--name", name, "--email", email,
                              "--role", role]).decode()
        user_ids[who] = re.search(r"id=([0-9a-f-]{36})", created)[1]
        issued = renkei.run(["admin", "create-token", "--email", email]).decode()
        tokens[who] = re.search(r"renkei_[0-9a-f]+", issued)[0]
        if password:
            done = subprocess.run([renkei.binary, "admin", "set-password", "--email", email],
                                  input=b"oracle-b-password-1234\n", env=renkei.env, capture_output=True)
            if done.returncode != 0:
                sys.exit(f"{where}: set-password failed:\n{done.stderr.decode(errors='replace')}")
        exchange.users.append(User(user_ids[who], code, name, email, role, None,
                                   PASSWORD_HASH if password else None, None))
    template = json.loads((ROOT / "tests/fixtures/admission_notice_v1_full.json").read_text(encoding="utf-8"))
    plans, ordinary = b_plans(rng, count, today)
    stays, contacts, compared = [], [], 0
    server = Server(renkei, where)
    try:
        ids = {f["code"]: f["id"] for f in server.call("GET", "/api/v1/facilities", tokens["nurse"])}

        def register(p):
            body = {"client": {k: p.person[k] for k in ("name", "name_kana", "birth_date", "sex", "insurance_number")},
                    "admitted_on": p.admitted.isoformat()}
            if p.respite or rng.random() < 0.3:  # false said, or left to its default
                body["planned_respite"] = p.respite
            registered = server.call("POST", "/api/v1/episodes", tokens["nurse"], body)
            office = (registered.get("care_office") or {}).get("code")
            if office != p.office:
                server.fail(f"the stay of {p.person['insurance_number']} admitted on {p.admitted} has the care "
                            f"office {office}, expected {p.office}: {registered}")
            p.id = registered["id"]
            p.stay = Stay(p.id, p.person["insurance_number"], p.person.get("care_level", ""), p.office, "BH1",
                          p.admitted, None, None, False, p.respite)
            stays.append(p.stay)

        def record(p, who, direction, kind, on, method):
            body = {"direction": direction, "kind": kind, "method": method, "contacted_on": on.isoformat()}
            server.call("POST", f"/api/v1/episodes/{p.id}/contacts", tokens[who], body)
            contacts.append((p.id, direction, kind, on, method))

        def notify(p, recipient):
            notice = copy.deepcopy(template)
            notice["admission_date"] = p.admitted.isoformat()
            # 10:00 in Japan, or five past midnight of an admission today (never a time to come)
            notice["admitted_at"] = f"{p.admitted.isoformat()}T{'00:05' if p.admitted >= today else '10:00'}:00+09:00"
            notice["planned_discharge_date"] = (p.admitted + 10 * DAY).isoformat()
            notice["patient"] = {"name": p.person["name"], "name_kana": p.person["name_kana"],
                                 "sex": "男" if p.person["sex"] == "male" else "女", "birth_date": p.person["birth_date"]}
            body = {"kind": "admission_notice", "recipient_facility_id": ids[recipient], "episode_id": p.id,
                    "payload": notice}
            sent = server.call("POST", "/api/v1/documents", tokens["nurse"], body)
            exchange.documents.append(Document(sent["id"], "admission_notice", p.id, "BH1", user_ids["nurse"],
                                               recipient, utc_instant(sent["sent_at"]), None, None))

        def discharge(p):
            on, destination, _ = p.discharge
            server.call("POST", f"/api/v1/episodes/{p.id}/discharge", tokens["nurse"],
                        {"discharged_on": on.isoformat(), "destination": destination})
            p.stay.discharged, p.stay.destination = on, destination

        def assign(p, on, office):
            server.call("POST", f"/api/v1/episodes/{p.id}/care-assignment", tokens["centre"],
                        {"care_office_id": ids[office], "assigned_on": on.isoformat()})
            p.stay.assigned.append(on)

        # phase 0: every stay registered, notified, its contacts recorded
        for p in plans + ordinary:
            if p.office:  # a client of the care office, registered there first
                server.call("POST", "/api/v1/clients", tokens["cm"], p.person)
            register(p)
            if p.notice:
                notify(p, "BS1")
            if p.notice_to_office:
                notify(p, "BK1")
            for direction, on, method in p.hand_notices:  # the hospital, the only other party, records them
                record(p, "nurse", direction, "admission_notice", on, method)
            for who, direction, kind, on, method in p.contacts:
                record(p, who, direction, kind, on, method)
        # the centre cannot assign a stay it was told nothing about
        for p in plans:
            if not p.notice:
                server.call("POST", f"/api/v1/episodes/{p.id}/care-assignment", tokens["centre"],
                            {"care_office_id": ids["BK1"], "assigned_on": p.admitted.isoformat()}, expect=(404,))
                break

        def run_phase(phase):
            steps = []  # assignments in the order planned, discharges anywhere among them
            for p in plans + ordinary:
                if p.discharge and p.discharge[2] == phase:
                    steps.append((rng.random(), 0, p, None))
                for i, (on, office, when) in enumerate(p.assign):
                    if when == phase:
                        steps.append((rng.random() if i == 0 else 1 + i, i, p, (on, office)))
            for _, _, p, assignment in sorted(steps, key=lambda step: step[:2]):
                if assignment:
                    assign(p, *assignment)
                else:
                    discharge(p)

        # the fiscal years from 2024 (its last months) to the present one, and the whole span
        this_year = japan_today.year - (japan_today.month < 4)
        fiscal_years = [(dt.date(y, 4, 1), dt.date(y + 1, 3, 31), True) for y in range(2024, this_year + 1)]
        whole = (dt.date(2025, 1, 1), japan_today, False)
        run_phase(1)
        compared += check_surveys(renkei, facilities, exchange, stays, contacts, rule_sets, fiscal_years + [whole],
                                  "pathway B, after phase 1", breakdowns=lambda start, end: [None],
                                  csv_rules=tuple(rule_sets))
        run_phase(2)
        # readmissions of clients the centre gave a care office: a care office at admission now
        readmitted = [p for p in plans if len(p.assign) == 1 and p.assign[0][1] == "BK1" and p.discharge]
        for p in rng.sample(readmitted, min(2, len(readmitted))):
            latest = max(p.discharge[0], p.assign[0][0])
            again = plan_again(rng, p, min(latest + rng.choice([0, 3, 15]) * DAY, today), today)
            register(again)
            for who, direction, kind, on, method in again.contacts:
                record(again, who, direction, kind, on, method)
            if again.discharge:
                discharge(again)
            ordinary.append(again)
        # the survey as the coordinator asks for it, under the server's rules (default)
        contacts_of = defaultdict(list)
        for c in contacts:
            contacts_of[c[0]].append(c)
        for query, start, end in [(f"fiscal_year={this_year}", *fiscal_years[-1][:2]),
                                  (f"from={whole[0]}&to={whole[1]}", whole[0], whole[1])]:
            expected = expected_survey(stays, contacts_of, facilities, expected_exchange(exchange, start, end),
                                       rule_sets["default"], start, end, None)
            asked = f"{where}, GET /api/v1/survey?{query}"
            compare(expected, server.call("GET", f"/api/v1/survey?{query}", tokens["coordinator"]), asked)
            compare_csv(expected, server.call("GET", f"/api/v1/survey?{query}&format=csv", tokens["coordinator"],
                                              raw=True), rule_sets["default"]["discharge_notice_min_days"], asked)
            compared += 1
    finally:
        server.stop()

    # phase 2 done: every month from January 2025 to this year's December, the fiscal years, the
    # whole span, single days around the assignments, an empty fiscal year
    periods = [(dt.date(y, m, 1), dt.date(y + (m == 12), m % 12 + 1, 1) - DAY, False)
               for y in range(2025, japan_today.year + 1) for m in range(1, 13)]
    periods += fiscal_years + [whole, (dt.date(2019, 4, 1), dt.date(2020, 3, 31), True)]
    days = {japan_today, today}
    for p in rng.sample([p for p in plans if p.assign], min(4, len([p for p in plans if p.assign]))):
        first = min(on for on, _, _ in p.assign)
        days |= {p.admitted, first - DAY, first, first + DAY}
    periods += [(d, d, False) for d in sorted(days)]
    whole_periods = {(start, end) for start, end, _ in fiscal_years + [whole]}
    compared += check_surveys(renkei, facilities, exchange, stays, contacts, rule_sets, periods, "pathway B",
                              breakdowns=lambda start, end: GROUP_BY if (start, end) in whole_periods else [None],
                              csv_rules=tuple(rule_sets))
    print(f"{where}: {sum(1 for s in stays if s.care_office is None)} stays without a care office, "
          f"{sum(1 for s in stays if s.assigned)} given one ({sum(len(s.assigned) for s in stays)} assignments)")
    return compared, len(stays), len(contacts), len(exchange.documents)


# ---------------------------------------------------------------------------------------------
# A region: municipalities, each with its handbook over time

# code, name, rule history [(in force from (None: from the start), rule set)], oldest first
REGION = [
    ("022039", "八戸市", [(None, "default")]),
    ("024465", "階上町", [(None, "seven-days"), (dt.date(2025, 7, 1), "paper-survey")]),
    ("024236", "新郷村", []),  # no rules of its own: the deployment's
    ("024422", "五戸町", [(dt.date(2025, 3, 1), "seven-days")]),  # the deployment's before
]
MUNICIPALITY_NAMES = {code: name for code, name, _ in REGION}


def rules_on(code, day, deployment, rule_sets):
    """The rules a stay of the municipality `code` admitted on `day` is judged by."""
    current = deployment
    for since, name in next((h for c, _, h in REGION if c == code), []):
        if since is None or since <= day:
            current = rule_sets[name]
    return current


def expected_judged_under(municipality):
    """`judged_under` without its rules: (municipality, admitted_from, admitted_to, rule set or
    None for the deployment's), in Renkei's order."""
    spans = []
    for code, _, history in sorted(REGION):  # by code
        if municipality not in (None, code):
            continue
        for i, (since, name) in enumerate(history):
            until = history[i + 1][0] if i + 1 < len(history) else None
            spans.append((code, since, until - DAY if until else None, name))
    own = [s for s in spans if s[0] == municipality]
    if municipality is None or not own or own[0][1] is not None:
        first = own[0][1] if own else None
        spans.insert(0, (municipality, None, first - DAY if first else None, None))
    return spans


def check_region(renkei, stays, contacts, facilities, rule_sets, periods, step):
    """Every deployment rule set, period, breakdown and municipality asked for: each stay judged
    by its municipality's rules on its admission date (docs/survey.md, "A region")."""
    contacts_of = defaultdict(list)
    for c in contacts:
        contacts_of[c[0]].append(c)
    exchange = Exchange({f[0]: f[2] for f in FACILITIES if f[2] != "city"}, [], [])  # the import takes no city
    compared = 0
    for rules_id, deployment in rule_sets.items():
        def judge(stay):
            return rules_on(stay.municipality, stay.admitted, deployment, rule_sets)
        for start, end in periods:
            exchanged = expected_exchange(exchange, start, end)
            for municipality in [None] + [code for code, _, _ in REGION]:
                mine = [s for s in stays if municipality in (None, s.municipality)]
                headline = deployment if municipality is None else rules_on(municipality, end, deployment, rule_sets)
                spans = expected_judged_under(municipality)
                under = [{"municipality": code, **({"municipality_name": MUNICIPALITY_NAMES[code]} if code else {}),
                          **({"admitted_from": iso(since)} if since else {}),
                          **({"admitted_to": iso(to)} if to else {})} for code, since, to, _ in spans]
                for group_by in [None, "municipality", "hospital"] if municipality is None else [None, "month"]:
                    asked = ["--from", start.isoformat(), "--to", end.isoformat()]
                    asked += ["--group-by", group_by] if group_by else []
                    asked += ["--municipality", municipality] if municipality else []
                    where = f"{renkei.engine}, {step}, HANDBOOK_RULES={rules_id} renkei survey {' '.join(asked)}"
                    expected = expected_survey(mine, contacts_of, facilities, exchanged, headline, start, end,
                                               group_by, judge, under)
                    if municipality:
                        expected["municipality"] = municipality
                        expected["municipality_name"] = MUNICIPALITY_NAMES[municipality]
                    actual = json.loads(renkei.run(["survey", *asked], rules_id))
                    compare(expected, actual, where)
                    names = [(u["municipality"], u["rules"]["id"]) for u in actual["judged_under"]]
                    wanted = [(code, (name or rules_id).split(".")[0]) for code, _, _, name in spans]
                    if names != wanted:
                        sys.exit(f"{where}: judged_under's rules {names}, expected {wanted}")
                    if actual["rules"]["id"] != headline["id"]:
                        sys.exit(f"{where}: rules {actual['rules']['id']}, expected {headline['id']}")
                    if group_by == "municipality":
                        for group in actual["groups"]:
                            days = [s.admitted for s in stays if (s.municipality or "") == group["key"]]
                            code = group["key"] or None
                            history = next((h for c, _, h in REGION if c == code), [])
                            wanted = [] if history and history[0][0] is None else [rules_id]
                            wanted += [n for _, n in history if n not in wanted]
                            got = [r["id"] for r in group["rules"]]
                            if got != wanted and days:
                                sys.exit(f"{where}: group {group['key']} reports rules {got}, expected {wanted}")
                        data = renkei.run(["survey", *asked, "--format", "csv"], rules_id)
                        days = {(rule_sets[name] if name else deployment)["discharge_notice_min_days"]
                                for _, _, _, name in spans}
                        n = days.pop() if len(days) == 1 else None
                        compare_csv(expected, data, n, where + " --format csv")
                    compared += 1
    return compared


def region(renkei, rng, count, rule_sets):
    """Municipalities with different rules and rule histories, facilities and stays in them (and
    stays of none), imported as a region would; then a second file moving stays to another
    municipality and a third naming none (which leaves theirs)."""
    today = dt.date.today()
    first, last = dt.date(2024, 12, 1), dt.date(2025, 11, 30)
    rows = [[code, name, "", ""] for code, name, history in REGION if not history]
    rows += [[code, name, rules, iso(since)] for code, name, history in REGION for since, rules in history]
    renkei.import_rows("municipalities", ["code", "name", "rules", "rules_from"], rows)
    codes = [code for code, _, _ in REGION]
    renkei.import_rows("facilities", ["code", "name", "kind", "area", "in_city", "municipality"],
                       [[c, n, k, a, "true" if i else "false", rng.choice(codes + [""])]
                        for c, n, k, a, i in FACILITIES if k != "city"])
    facilities = {f[0]: (f[1], f[3], f[4]) for f in FACILITIES}
    stays = [random_stay(rng, f"R{i:05d}", first, last) for i in range(count)]
    for stay in stays:
        stay.municipality = rng.choice(codes + codes + [None])
    contacts = [c for s in stays for c in random_contacts(rng, s, today)]
    header = STAY_COLUMNS + ["municipality"]
    renkei.import_rows("episodes", header, [s.row() + [s.municipality or ""] for s in stays])
    renkei.import_rows("contacts", CONTACT_COLUMNS, [[r, d, k, iso(on), m] for r, d, k, on, m in contacts])
    periods = [(dt.date(2025, 4, 1), dt.date(2026, 3, 31)), (dt.date(2024, 12, 1), dt.date(2025, 11, 30)),
               (dt.date(2025, 6, 15), dt.date(2025, 7, 15)), (dt.date(2025, 2, 1), dt.date(2025, 3, 31))]
    compared = check_region(renkei, stays, contacts, facilities, rule_sets, periods, "region, after file 1")
    moved = rng.sample([s for s in stays if s.municipality], count // 5)
    for stay in moved:
        stay.municipality = rng.choice([c for c in codes if c != stay.municipality])
    renkei.import_rows("episodes", header, [s.row() + [s.municipality] for s in moved])
    renkei.import_rows("episodes", STAY_COLUMNS, [s.row() for s in rng.sample(stays, count // 5)])
    compared += check_region(renkei, stays, contacts, facilities, rule_sets, periods, "region, after files 2 and 3")
    return compared, len(stays), len(contacts), 0


def plan_again(rng, p, admitted, today):
    """A new stay of a client of pathway B, once their care office is theirs (BK1)."""
    again = SimpleNamespace(person=p.person, admitted=admitted, respite=False, office="BK1", notice=False,
                            notice_to_office=False, hand_notices=[], assign=[], discharge=None, contacts=[],
                            stay=None, id=None)
    if rng.random() < 0.6:
        again.discharge = (min(admitted + rng.choice([1, 4, 10]) * DAY, today), rng.choice(DESTINATIONS), 2)
    ordinary_contacts(rng, again, today)
    return again


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renkei", default=str(ROOT / "target/debug/renkei"))
    parser.add_argument("--seed", type=int, default=20251, help="of the edge-case data sets")
    parser.add_argument("--stays", type=int, default=1500, help="stays in the first edge-case file (0: none)")
    parser.add_argument("--generated", type=int, default=5000, help="stays of `renkei generate` (0: none)")
    parser.add_argument("--pathway-b", type=int, default=30,
                        help="stays without a care office registered through the API (0: none)")
    parser.add_argument("--region", type=int, default=800,
                        help="stays of the municipalities of a region, each with its rules (0: none)")
    args = parser.parse_args()
    if not os.access(args.renkei, os.X_OK):
        sys.exit(f"{args.renkei} not found: build it first (cargo build, or cargo test)")
    rule_sets = {p.name.split(".")[0]: json.loads(p.read_text(encoding="utf-8"))
                 for p in sorted((ROOT / "schemas/handbook/rules").glob("*.json"))}
    runs = []
    if args.stays:
        runs.append(("edge cases", lambda renkei: edge_cases(renkei, random.Random(args.seed), args.stays, rule_sets)))
    if args.generated:
        runs.append(("generated", lambda renkei: generated(renkei, args.generated, rule_sets)))
    if args.pathway_b:
        runs.append(("pathway B",
                     lambda renkei: pathway_b(renkei, random.Random(args.seed), args.pathway_b, rule_sets)))
    if args.region:
        runs.append(("region", lambda renkei: region(renkei, random.Random(args.seed), args.region, rule_sets)))
    for name, run in runs:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="renkei-oracle.") as work:
            os.chmod(work, 0o755)
            renkei = Renkei(args.renkei, work)
            try:
                compared, stays, contacts, documents = run(renkei)
            finally:
                renkei.close()
            print(f"{renkei.engine}, {name}: {compared} surveys of {stays} stays, {contacts} contacts and "
                  f"{documents} documents match the definitions, figure by figure "
                  f"({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
