#!/usr/bin/env bash
# Set up (first time) and run the whole test suite (Qt offscreen).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
export QTWEBENGINE_CHROMIUM_FLAGS="${QTWEBENGINE_CHROMIUM_FLAGS:---no-sandbox --disable-gpu --disable-background-networking}"
exec .venv/bin/python -m pytest -q "$@"
