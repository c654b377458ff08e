#!/usr/bin/env bash
# Set up (first time) and plan the bundled sample county end to end.
# Writes out/sample/plan.gpkg, out/sample/maps/<squad>.html, out/sample/schedule.xlsx.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/python main.py plan --sample --out "${1:-out/sample}"
