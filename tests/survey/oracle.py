#!/usr/bin/env python3
"""The connection survey, counted a second time by code that shares nothing with Renkei's.

Makes random data sets full of the survey's edge cases (contacts before the admission, on the
day, after the discharge, undated paper records, contacts in the wrong direction or of kinds
that never count, deaths, excluded stays, stays with no care office, stays still open, short
stays, periods that cut through stays, empty periods), imports them with `renkei import` as a
city would, and compares every figure of `renkei survey` (JSON, and the CSV Excel opens) with
the figures worked out here, stay by stay, from the definitions in DOMAIN.md and
docs/survey.md: every published rule set, every breakdown, many periods. Then a second file of
stays (discharges, changed stays, new stays) and of contacts (repeats and new ones) is
imported, as a later year's spreadsheet would be, and everything is compared again. Last, the
same for the realistic decade `renkei generate` writes, read back from its files, every fiscal
year of it.

    python3 tests/survey/oracle.py [--renkei target/debug/renkei] [--seed N] [--stays N] [--generated N]
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
DAY = dt.timedelta(days=1)

DISCHARGE_KINDS = {"discharge_notice", "discharge_conference", "discharge_referral"}
KINDS = ["admission_info", "admission_notice", "discharge_notice", "discharge_conference",
         "discharge_referral", "other"]
METHODS = ["system", "fax", "phone", "visit", "mail", "video", "conference"]
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
]
HOSPITALS = [f[0] for f in FACILITIES if f[2] == "hospital"]
CARE_SIDE = [f[0] for f in FACILITIES if f[2] != "hospital"]
STAY_COLUMNS = ["episode_ref", "client_ref", "care_level", "care_office", "hospital", "admitted_on",
                "discharged_on", "destination", "excluded"]
CONTACT_COLUMNS = ["episode_ref", "direction", "kind", "contacted_on", "method"]


class Stay:
    def __init__(self, ref, client, care_level, care_office, hospital, admitted, discharged,
                 destination, excluded):
        self.ref, self.client, self.care_level = ref, client, care_level
        self.care_office, self.hospital = care_office, hospital
        self.admitted, self.discharged = admitted, discharged
        self.destination, self.excluded = destination, excluded

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
    return Stay(ref, f"C{rng.randrange(10**6):06d}", rng.choice(CARE_LEVELS),
                rng.choice(CARE_SIDE) if rng.random() > 0.08 else None, rng.choice(HOSPITALS),
                admitted, discharged, destination, rng.random() < 0.06)


def random_contacts(rng, stay, today):
    """0 to 6 contacts per stay, dated around its admission and discharge, some undated."""
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
# The survey, from the definitions


def wareki(year):
    if year >= 2019:
        return "令和元年度" if year == 2019 else f"令和{year - 2018}年度"
    return "平成元年度" if year == 1989 else f"平成{year - 1988}年度"


def group_key(group_by, stay, side, facilities):
    """(key, label) of a stay on one side of the survey; facilities: code -> (name, area, in_city)."""
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
                      "timing": dict.fromkeys(TIMING, 0)},
        "discharge": {"cohort": 0, "contacted": 0, "rate": None, "on_time": 0, "on_time_rate": None,
                      "died": 0, "excluded": 0, "in_hospital": 0, "lead_time": dict.fromkeys(LEAD, 0)},
    }


def is_excluded(stay, rules):
    if stay.excluded:
        return True
    short = rules["exclusions"].get("short_stay_max_days")
    if short is not None and stay.discharged is not None:
        return (stay.discharged - stay.admitted).days + 1 <= short
    return False  # planned respite cannot be imported: no imported stay is one


def admission_timing(stay, contacts, bound):
    """The bucket of the first admission-info contact made up to the bound (None: no bound)."""
    mine = [c for c in contacts if c[1] == "cm_to_hospital" and c[2] == "admission_info"]
    dated = [c[3] for c in mine if c[3] is not None and (bound is None or c[3] <= bound)]
    if dated:
        day = (min(dated) - stay.admitted).days + 1  # day 1 is the admission date
        return "same_day" if day <= 1 else "day_2_3" if day <= 3 else "later"
    return "unknown" if any(c[3] is None for c in mine) else "none"


def discharge_lead(stay, contacts, notice_days):
    """The lead-time bucket of the first dated discharge contact, and whether it is on time."""
    mine = [c for c in contacts if c[1] == "hospital_to_cm" and c[2] in DISCHARGE_KINDS]
    dated = [c[3] for c in mine if c[3] is not None]
    if not dated:
        return ("unknown" if mine else "none"), False
    lead = (stay.discharged - min(dated)).days
    bucket = ("8+" if lead >= 8 else "5-7" if lead >= 5 else "2-4" if lead >= 2 else
              "1" if lead == 1 else "0" if lead == 0 else "after")
    return bucket, lead >= notice_days


def expected_survey(stays, contacts_of, facilities, rules, start, end, group_by):
    window = rules["survey_window"]
    cutoff = end + window.get("follow_up_days", 0) * DAY if window["mode"] == "admission_window" else None
    whole, groups, labels = empty_figures(), defaultdict(empty_figures), {}

    def add(stay, side, counter, bucket=None, keyed_by=None):
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

    for stay in stays:
        if stay.care_office is None:
            continue  # no care office at admission: in no cohort, not even excluded
        contacts = contacts_of.get(stay.ref, [])
        excluded = is_excluded(stay, rules)
        admitted_in_period = start <= stay.admitted <= end
        if admitted_in_period:
            if excluded:
                add(stay, "admission", "excluded")
            else:
                bound = stay.discharged
                if cutoff is not None:
                    bound = min(bound, cutoff) if bound else cutoff
                timing = admission_timing(stay, contacts, bound)
                add(stay, "admission", "cohort", timing)
                if timing != "none":
                    add(stay, "admission", "contacted")
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
                bucket, on_time = discharge_lead(stay, contacts, rules["discharge_notice_min_days"])
                add(stay, "discharge", "cohort", bucket)
                if bucket not in ("after", "unknown", "none"):
                    add(stay, "discharge", "contacted")
                if on_time:
                    add(stay, "discharge", "on_time")

    def rates(figures):
        a, d = figures["admission"], figures["discharge"]
        a["rate"] = a["contacted"] / a["cohort"] if a["cohort"] else None
        d["rate"] = d["contacted"] / d["cohort"] if d["cohort"] else None
        d["on_time_rate"] = d["on_time"] / d["cohort"] if d["cohort"] else None
        return figures

    period = {"from": start.isoformat(), "to": end.isoformat()}
    if cutoff:
        period["cutoff"] = cutoff.isoformat()
    if start.month == 4 and start.day == 1 and end == dt.date(start.year + 1, 3, 31):
        period["fiscal_year"] = start.year
        period["fiscal_year_label"] = wareki(start.year)
    result = {"period": period, **rates(whole),
              "groups": [{"key": k, "label": labels[k], **rates(groups[k])} for k in sorted(groups)]}
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
        keys = [g["key"] for g in expected], [g["key"] for g in actual]
        if keys[0] != keys[1]:
            sys.exit(f"{where}: {path} groups {keys[1]}, expected {keys[0]}")
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(e, a, where, f"{path}/{i}({e['key']})")
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
    ("退院_{n}日前までに連絡", "discharge/on_time"), ("退院{n}日前連絡率(%)", "discharge/on_time_rate%"),
    ("退院_8日以上前", "discharge/lead_time/8+"), ("退院_5〜7日前", "discharge/lead_time/5-7"),
    ("退院_2〜4日前", "discharge/lead_time/2-4"), ("退院_前日", "discharge/lead_time/1"),
    ("退院_当日", "discharge/lead_time/0"), ("退院_退院後", "discharge/lead_time/after"),
    ("退院_日付不明", "discharge/lead_time/unknown"), ("退院_連絡なし", "discharge/lead_time/none"),
    ("死亡退院", "discharge/died"), ("退院_対象外", "discharge/excluded"), ("入院中", "discharge/in_hospital"),
]


def csv_cell(figures, path):
    value = figures
    for part in path.rstrip("%").split("/"):
        value = value[part]
    if path.endswith("%"):
        return "" if value is None else f"{value * 100:.1f}"
    return str(value)


def compare_csv(expected, data, n, where):
    if not data.startswith(b"\xef\xbb\xbf"):
        sys.exit(f"{where}: the CSV has no byte order mark, so Excel would not read it as UTF-8")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    header = [name.format(n=n) for name, _ in CSV_COLUMNS]
    if rows[0] != header:
        sys.exit(f"{where}: CSV header {rows[0]}, expected {header}")
    wanted = [("", "全体", expected)] + [(g["key"], g["label"], g) for g in expected["groups"]]
    if len(rows) - 1 != len(wanted):
        sys.exit(f"{where}: {len(rows) - 1} CSV rows, expected {len(wanted)}")
    for row, (key, label, figures) in zip(rows[1:], wanted):
        cells = [key, label] + [csv_cell(figures, path) for _, path in CSV_COLUMNS[2:]]
        if row != cells:
            sys.exit(f"{where}: CSV row {row}, expected {cells}")


# ---------------------------------------------------------------------------------------------


def check_surveys(renkei, facilities, stays, contacts, rule_sets, periods, step):
    """Every rule set, period and breakdown: Renkei's survey against the definitions."""
    contacts_of = defaultdict(list)
    for c in contacts:
        contacts_of[c[0]].append(c)
    compared = 0
    for rules_id, rules in rule_sets.items():
        for start, end, as_fiscal_year in periods:
            for group_by in [None, "hospital", "care_office", "month", "area", "care_level", "hospital_in_city"]:
                asked = period_args(start, end, as_fiscal_year) + (["--group-by", group_by] if group_by else [])
                where = f"{renkei.engine}, {step}, HANDBOOK_RULES={rules_id} renkei survey {' '.join(asked)}"
                expected = expected_survey(stays, contacts_of, facilities, rules, start, end, group_by)
                actual = json.loads(renkei.run(["survey", *asked], rules_id))
                compare(expected, actual, where)
                for name in ("id", "version", "discharge_notice_min_days"):
                    if actual["rules"][name] != rules[name]:
                        sys.exit(f"{where}: rules/{name} is {actual['rules'][name]!r}, expected {rules[name]!r}")
                if rules_id == "default" and start.day == 1:
                    data = renkei.run(["survey", *asked, "--format", "csv"], rules_id)
                    compare_csv(expected, data, rules["discharge_notice_min_days"], where + " --format csv")
                compared += 1
    return compared


def edge_cases(renkei, rng, count, rule_sets):
    """Two files of random stays and contacts, dense with edge cases, around 2025."""
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

    renkei.import_rows("facilities", ["code", "name", "kind", "area", "in_city"],
                       [[c, n, k, a, "true" if i else "false"] for c, n, k, a, i in FACILITIES])
    facilities = {f[0]: (f[1], f[3], f[4]) for f in FACILITIES}
    stays = [random_stay(rng, f"E{i:05d}", first, last) for i in range(count)]
    contacts = [c for s in stays for c in random_contacts(rng, s, today)]
    later = [changed(rng, s, today) for s in rng.sample(stays, count // 5)]
    later += [random_stay(rng, f"F{i:05d}", first, last) for i in range(count // 10)]
    by_ref = {s.ref: s for s in stays + later}
    more = rng.sample(contacts, len(contacts) // 4)  # repeated rows change nothing
    more += [c for s in rng.sample(list(by_ref.values()), len(by_ref) // 4) for c in random_contacts(rng, s, today)]

    stored, all_contacts, compared = {}, [], 0
    for step, (stay_rows, contact_rows) in enumerate([(stays, contacts), (later, more)], 1):
        renkei.import_rows("episodes", STAY_COLUMNS, [s.row() for s in stay_rows])
        renkei.import_rows("contacts", CONTACT_COLUMNS, [[r, d, k, iso(on), m] for r, d, k, on, m in contact_rows])
        stored.update((s.ref, s) for s in stay_rows)
        all_contacts += contact_rows
        compared += check_surveys(renkei, facilities, list(stored.values()), all_contacts, rule_sets, periods,
                                  f"edge cases, after file {step}")
    return compared, len(stored), len(all_contacts)


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
    compared = check_surveys(renkei, facilities, stays, contacts, rule_sets, periods, "generated")
    return compared, len(stays), len(contacts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renkei", default=str(ROOT / "target/debug/renkei"))
    parser.add_argument("--seed", type=int, default=20251, help="of the edge-case data sets")
    parser.add_argument("--stays", type=int, default=1500, help="stays in the first edge-case file")
    parser.add_argument("--generated", type=int, default=5000, help="stays of `renkei generate` (0: none)")
    args = parser.parse_args()
    if not os.access(args.renkei, os.X_OK):
        sys.exit(f"{args.renkei} not found: build it first (cargo build, or cargo test)")
    rule_sets = {p.name.split(".")[0]: json.loads(p.read_text(encoding="utf-8"))
                 for p in sorted((ROOT / "schemas/handbook/rules").glob("*.json"))}
    runs = [("edge cases", lambda renkei: edge_cases(renkei, random.Random(args.seed), args.stays, rule_sets))]
    if args.generated:
        runs.append(("generated", lambda renkei: generated(renkei, args.generated, rule_sets)))
    for name, run in runs:
        with tempfile.TemporaryDirectory(prefix="renkei-oracle.") as work:
            os.chmod(work, 0o755)
            renkei = Renkei(args.renkei, work)
            try:
                compared, stays, contacts = run(renkei)
            finally:
                renkei.close()
            print(f"{renkei.engine}, {name}: {compared} surveys of {stays} stays and {contacts} contacts "
                  f"match the definitions, figure by figure")


if __name__ == "__main__":
    main()
