#!/usr/bin/env bash
# Screenshots of the main pages, as the demo users see them on a 1024x768 tablet, into
# docs/screenshots/<name>.png. Runs the real server on a fresh temporary database loaded with
# the demo data (renkei::demo::prepare, as `renkei serve --demo`), signs in through the form in
# headless Chromium and pictures each page listed in PAGES in tests/browser/pictures.rs
# (add a page there: one line). Needs: apt-get install chromium chromium-driver fonts-noto-cjk
#   tests/screenshots.sh                 # writes docs/screenshots/*.png
#   SCREENSHOTS_DIR=/tmp/shots tests/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --quiet --test renkei -- --ignored --exact --nocapture browser::pictures::screenshots
