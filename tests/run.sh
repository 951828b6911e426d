#!/usr/bin/env bash
# The whole test suite, as the README gives it: formatting and lints, every test on SQLite,
# every test again on a throwaway PostgreSQL server on 127.0.0.1, the survey's figures against
# an independent count in Python on both engines, and the independent check of the published
# JSON Schemas with Python's jsonschema. Installs what a fresh Debian lacks when
# it can (as root, or with sudo); otherwise says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

missing=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
dpkg -s libpq-dev >/dev/null 2>&1 || missing+=(libpq-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
# The SMTP server the mail tests deliver to (tests/smtp/sink.py), run by Debian's own python3.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)   # the test CA of the mail TLS tests
# The browser tests (tests/browser.rs): headless Chromium, its driver, and Japanese fonts.
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "Missing: ${missing[*]}. Install them with: apt-get install ${missing[*]}" >&2; exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

say "formatting and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings

say "tests on SQLite"
cargo test --quiet

say "tests on PostgreSQL"
tests/with-postgres.sh cargo test --quiet --test renkei

say "the survey against its definitions, counted independently (tests/survey/oracle.py), on both engines"
# target/debug/renkei is the binary `cargo test` built for the command-line tests (a plain
# `cargo build` would compile the crates again without the test features).
python3 tests/survey/oracle.py
tests/with-postgres.sh python3 tests/survey/oracle.py

say "the 加算 against their definitions, worked out independently (tests/claims/oracle.py), on both engines"
python3 tests/claims/oracle.py
tests/with-postgres.sh python3 tests/claims/oracle.py

say "published schemas, checked by an independent validator (Python jsonschema)"
venv=target/schema-check-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import jsonschema' 2>/dev/null || "$venv/bin/pip" install --quiet jsonschema
"$venv/bin/python" tests/schemas/check_schemas.py

say "the OpenAPI document against the live server (schemathesis, every role)"
tests/schemathesis.sh

say "all checks passed"
