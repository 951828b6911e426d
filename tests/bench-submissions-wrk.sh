#!/usr/bin/env bash
# Durable sends measured from outside, as a new user would: wrk with 8 connections sends the full
# example 入院時情報提供書 (each with its own Idempotency-Key) to the release binary's
# `serve --demo` on a fresh database, as the demo's care manager, about one of her open stays;
# then the raw rate of the same rows (the submissions benchmark's raw half, BENCH_PHASE=raw).
#   tests/bench-submissions-wrk.sh                         SQLite
#   tests/with-postgres.sh tests/bench-submissions-wrk.sh  PostgreSQL (a fresh database on it)
# SECONDS_MEASURED (default 30) sets the length of the measured wrk run, after 5 s of warm-up.
set -euo pipefail
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${SECONDS_MEASURED:-30}"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
work="$(mktemp -d /tmp/renkei-wrk.XXXXXX)"
server=""
finish() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap finish EXIT
cd "$work"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  engine=PostgreSQL
  psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE renkei_wrk" >/dev/null
  database_url="${TEST_DATABASE_URL%/*}/renkei_wrk"
else
  engine=SQLite
  database_url="sqlite://$work/renkei.db"
fi
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
DATABASE_URL="$database_url" BIND_ADDR="127.0.0.1:$port" RATE_LIMIT_PER_MINUTE=1000000 RUST_LOG=warn \
  "$root/target/release/renkei" serve --demo >started.txt 2>server.log &
server=$!
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && grep -q curl started.txt && break
  kill -0 "$server" 2>/dev/null || { cat server.log >&2; exit 1; }
  sleep 0.1
done
token="$(grep 'cm@care1.example' started.txt | grep -o 'renkei_[0-9a-f]*')"
curl -sf "http://127.0.0.1:$port/api/v1/episodes" -H "Authorization: Bearer $token" >episodes.json

# The request body: the full example sheet, dated as the stay is, about the first open stay.
python3 - "$root/tests/fixtures/admission_info_v1_full.json" "$token" >send.lua <<'PY'
import json, sys
sheet = json.load(open(sys.argv[1]))
stay = next(e for e in json.load(open("episodes.json")) if e["discharged_on"] is None)
for field in ("written_on", "admission_date", "provided_on"):
    sheet["header"][field] = stay["admitted_on"]
body = json.dumps({"kind": "admission_info", "recipient_facility_id": stay["hospital"]["id"],
                   "episode_id": stay["id"], "payload": sheet}, ensure_ascii=False)
print(f"""
local body = [==[{body}]==]
local counter = 0
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("id", threads) end
request = function()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/documents", {{
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer {sys.argv[2]}",
    ["Idempotency-Key"] = string.format("wrk-%d-%d-%d", id, counter, math.random(1, 1000000000)),
  }}, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("sends %d, not 201 %d, errors %d (connect %d, read %d, write %d, timeout %d)\\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout))
  io.write(string.format("p50 %.1f ms, p95 %.1f ms, max %.1f ms\\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency.max / 1000))
end
""")
PY
# One send first: if it is refused, say why instead of measuring refusals.
python3 -c 'import re, sys; print(re.search(r"\[==\[(.*)\]==\]", open("send.lua").read(), re.S).group(1))' >body.json
status="$(curl -s -o answer.json -w '%{http_code}' "http://127.0.0.1:$port/api/v1/documents" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -H 'Idempotency-Key: first' --data-binary @body.json)"
[ "$status" = 201 ] || { echo "the first send was answered $status:" >&2; cat answer.json >&2; exit 1; }
wrk -t2 -c8 -d5s -s send.lua "http://127.0.0.1:$port" >/dev/null # warm-up
wrk -t2 -c8 -d"${seconds}s" -s send.lua "http://127.0.0.1:$port" | tee wrk.txt
kill "$server"; wait "$server" 2>/dev/null || true; server=""
grep -q "not 201 0, errors 0 " wrk.txt || { echo "some sends were not answered 201" >&2; exit 1; }
api="$(awk '/Requests\/sec/ {print $2}' wrk.txt)"

raw="$(cd "$root" && BENCH_ENGINE="$engine" BENCH_PHASE=raw BENCH_ROUNDS=1 cargo bench --quiet --bench submissions 2>/dev/null \
  | awk -F'|' -v e="$engine" '$2 ~ e && $3 ~ /1/ {gsub(/ /, "", $7); print $7}')"
echo "$engine: API $api sends/s (wrk, 8 connections), raw $raw transactions/s (8 threads): $(python3 -c "print(f'{100 * $api / $raw:.0f} %')")"
