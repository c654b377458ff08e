#!/usr/bin/env bash
# One-time (idempotent) set-up: system libraries Qt/QtWebEngine need, a CJK
# font for the UI and PDFs, and a Python venv with the project installed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  fonts-noto-cjk fonts-wqy-microhei libnss3 libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1
  libopengl0 libfontconfig1 libdbus-1-3 libxcomposite1 libxdamage1 libxrandr2
  libxtst6 libxkbfile1 libasound2 libxshmfence1 libgbm1 libxcb-cursor0
  libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0
  libxcb-image0 libxcb-xinerama0 libglib2.0-0 poppler-utils
)

# PostgreSQL + the PostGIS build for its major version (the store's tests run
# a throwaway server); the version comes from the distribution's metapackage
pg_major() {
  apt-cache depends postgresql 2>/dev/null \
    | sed -n 's/.*Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -1
}
if command -v apt-cache >/dev/null 2>&1; then
  PG_MAJOR=$(pg_major)
  if [ -z "$PG_MAJOR" ]; then  # package lists not fetched yet
    [ "$(id -u)" -ne 0 ] && SUDO_UPD="sudo" || SUDO_UPD=""
    $SUDO_UPD apt-get update -qq && PG_MAJOR=$(pg_major)
  fi
  if [ -n "$PG_MAJOR" ]; then
    APT_PACKAGES+=(postgresql "postgresql-$PG_MAJOR-postgis-3")
  fi
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev,bench]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
