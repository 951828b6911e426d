#!/usr/bin/env bash
# The survey and the import at the scale of a prefecture over a decade (docs/performance.md):
# generates EPISODES stays (default 1,000,000; about 3 contacts each), imports them with
# `renkei import` (rows/s per file; then the stays and contacts again, which changes nothing),
# times `renkei survey` for one fiscal year and for the whole decade (best of 3 runs, whole
# command), and beside it the plain SQL aggregate over the same rows.
#   tests/bench-survey.sh [EPISODES]                           # SQLite
#   tests/with-postgres.sh tests/bench-survey.sh [EPISODES]    # PostgreSQL
# REGION=1 then makes the same stays a region's: eight municipalities (four on the deployment's
# rules, one on the 7-day rule, one on it until fiscal 2021, one on the paper survey's, one with
# none), the facilities spread over them and each stay of its care office's, and times the
# survey again (the whole judged by four rule sets, by municipality, one municipality alone).
set -euo pipefail
cd "$(dirname "$0")/.."
episodes="${1:-1000000}"
cargo build --release --quiet
bin="$PWD/target/release/renkei"
work="$(mktemp -d /tmp/renkei-bench.XXXXXX)"
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
export RUST_LOG=warn

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  engine=PostgreSQL
  name="renkei_bench_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $name"
  export DATABASE_URL="${TEST_DATABASE_URL%/*}/$name"
  plain() { psql "$DATABASE_URL" -qAtc "$1" >/dev/null; }
else
  engine=SQLite
  export DATABASE_URL="sqlite://$work/bench.db"
  plain() { sqlite3 "$work/bench.db" "$1" >/dev/null; }
fi

now() { python3 -c 'import time; print(time.monotonic())'; }
seconds() { python3 -c "print(f'{$2 - $1:.2f}')"; }
best_of_3() {
  local best=""
  for _ in 1 2 3; do
    local start; start="$(now)"
    "$@" >/dev/null
    local took; took="$(seconds "$start" "$(now)")"
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $took < $best else 1)"; then best="$took"; fi
  done
  echo "$best"
}

"$bin" generate --episodes "$episodes" --output "$work/data" >/dev/null
"$bin" migrate >/dev/null
echo "| engine | file | rows | seconds | rows/s |"
echo "|---|---|---|---|---|"
# Each file, then the stays and contacts again: a second import of the same file changes nothing.
for table in facilities episodes contacts "episodes again" "contacts again"; do
  file="$work/data/${table% again}.csv"
  rows=$(( $(wc -l < "$file") - 1 ))
  start="$(now)"
  "$bin" import "${table% again}" "$file" >/dev/null
  took="$(seconds "$start" "$(now)")"
  echo "| $engine | $table | $rows | $took | $(python3 -c "print(round($rows / max($took, 0.001)))") |"
done

from_day=$(python3 -c "import datetime; print((datetime.date(2025,4,1) - datetime.date(1970,1,1)).days)")
to_day=$(python3 -c "import datetime; print((datetime.date(2026,3,31) - datetime.date(1970,1,1)).days)")
first_day=$(python3 -c "import datetime; print((datetime.date(2016,4,1) - datetime.date(1970,1,1)).days)")
aggregate() {
  echo "SELECT COUNT(*), SUM(CASE WHEN first_admission_info_day IS NOT NULL THEN 1 ELSE 0 END) FROM episodes WHERE care_office_id IS NOT NULL AND admitted_day BETWEEN $1 AND $2"
}
echo
echo "| engine | query | seconds (best of 3) |"
echo "|---|---|---|"
echo "| $engine | renkei survey --fiscal-year 2025 (one year, ~10 % of the stays) | $(best_of_3 "$bin" survey --fiscal-year 2025) |"
echo "| $engine | renkei survey --fiscal-year 2025 --group-by hospital | $(best_of_3 "$bin" survey --fiscal-year 2025 --group-by hospital) |"
echo "| $engine | plain SQL aggregate, the same year | $(best_of_3 plain "$(aggregate "$from_day" "$to_day")") |"
echo "| $engine | renkei survey --from 2016-04-01 --to 2026-03-31 (all stays) | $(best_of_3 "$bin" survey --from 2016-04-01 --to 2026-03-31) |"
echo "| $engine | renkei survey --from 2016-04-01 --to 2026-03-31 --group-by month | $(best_of_3 "$bin" survey --from 2016-04-01 --to 2026-03-31 --group-by month) |"
echo "| $engine | renkei survey --from 2016-04-01 --to 2026-03-31 --group-by hospital | $(best_of_3 "$bin" survey --from 2016-04-01 --to 2026-03-31 --group-by hospital) |"
echo "| $engine | renkei survey --from 2016-04-01 --to 2026-03-31 --group-by hospital_in_city | $(best_of_3 "$bin" survey --from 2016-04-01 --to 2026-03-31 --group-by hospital_in_city) |"
echo "| $engine | plain SQL aggregate, the same decade | $(best_of_3 plain "$(aggregate "$first_day" "$to_day")") |"
if [ "${REGION:-}" = 1 ]; then
  printf 'code,name,rules,rules_from\nR01,一市,,\nR02,二町,,\nR03,三町,,\nR04,四村,,\nR05,五町,seven-days,\nR06,六町,seven-days,\nR06,六町,default,2021-04-01\nR07,七村,paper-survey,\nR08,八村,,\n' \
    > "$work/municipalities.csv"
  "$bin" import municipalities "$work/municipalities.csv" >/dev/null
  # Each facility in one of the eight (by its place in the file), each stay in its care office's.
  places=$(python3 -c "
import csv
rows = list(csv.DictReader(open('$work/data/facilities.csv', encoding='utf-8-sig')))
print(' '.join(f\"WHEN '{r['code']}' THEN 'R0{i % 8 + 1}'\" for i, r in enumerate(rows)))")
  plain "UPDATE facilities SET municipality_code = CASE code $places END"
  plain "UPDATE episodes SET municipality_code = (SELECT f.municipality_code FROM facilities f WHERE f.id = episodes.care_office_id)"
  echo "| $engine | region: renkei survey --fiscal-year 2025 | $(best_of_3 "$bin" survey --fiscal-year 2025) |"
  echo "| $engine | region: renkei survey --from 2016-04-01 --to 2026-03-31 | $(best_of_3 "$bin" survey --from 2016-04-01 --to 2026-03-31) |"
  echo "| $engine | region: … --group-by municipality | $(best_of_3 "$bin" survey --from 2016-04-01 --to 2026-03-31 --group-by municipality) |"
  echo "| $engine | region: … --municipality R06 | $(best_of_3 "$bin" survey --from 2016-04-01 --to 2026-03-31 --municipality R06) |"
fi
if [ "$engine" = PostgreSQL ]; then psql "$TEST_DATABASE_URL" -qc "DROP DATABASE $name WITH (FORCE)"; fi
