#!/usr/bin/env bash
# Installs, builds everything and runs the test suite. Arguments go to ctest, e.g.
#   bash scripts/test.sh -L unit        # one tier: unit | actors | integration | bench
#   bash scripts/test.sh -R config      # tests whose name matches
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh
status=0
ctest --test-dir build --output-on-failure -j2 "$@" || status=$?
if command -v ccache >/dev/null 2>&1; then
  echo "--- ccache ---"
  ccache -s || true
fi
exit "$status"
