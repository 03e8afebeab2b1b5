#!/usr/bin/env bash
# Runs every CallGrains test. Installs what the tests need when it is missing: the PostgreSQL server
# binaries (Debian's packages) for the database tests, which start their own throwaway server, and
# Debian's Chromium with its chromedriver for the console's browser tests.
set -euo pipefail
cd "$(dirname "$0")"

find_pg_bin() {
  local dir
  for dir in "${CALLGRAINS_PG_BIN:-}" /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return 0
  return 1
}

if [ -z "${CALLGRAINS_TEST_PG:-}" ] && ! find_pg_bin >/dev/null; then
  echo "test.sh: PostgreSQL server binaries not found; installing Debian's postgresql package"
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: need root to run apt-get (or set CALLGRAINS_PG_BIN / CALLGRAINS_TEST_PG)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q postgresql
fi
if [ ! -x "${CALLGRAINS_CHROMIUM:-/usr/bin/chromium}" ] || [ ! -x "${CALLGRAINS_CHROMEDRIVER:-/usr/bin/chromedriver}" ]; then
  echo "test.sh: Chromium or chromedriver not found; installing Debian's chromium and chromium-driver packages"
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: need root to run apt-get (or set CALLGRAINS_CHROMIUM / CALLGRAINS_CHROMEDRIVER)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium chromium-driver
fi
if [ -z "${CALLGRAINS_TEST_PG:-}" ]; then
  CALLGRAINS_PG_BIN="$(find_pg_bin)"
  export CALLGRAINS_PG_BIN
  echo "test.sh: PostgreSQL binaries in $CALLGRAINS_PG_BIN"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test CallGrains.sln -c Release 2>&1 | tee "$log" || status=$?

# One closing line over all test projects, in the plain form CI reads.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
