#!/usr/bin/env bash
# Installs the system packages the test-suite drives for real: a PostgreSQL server
# (initdb/pg_ctl) and Debian's chromium for Playwright. Idempotent and quiet when present.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing system packages: ${missing[*]} (install them with apt as root)" >&2
  exit 0  # the tests then fail or skip loudly; under CI=true they fail
fi
echo "Installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
