#!/usr/bin/env bash
# Installs dependencies (scripts/setup.sh), configures build/ once (Ninja, RelWithDebInfo) and
# builds. Extra arguments go to `cmake --build`, e.g. `--target cafka-server`.
# CAFKA_JOBS overrides the parallelism (default: nproc). ccache is used when installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
# Configure only once: later, ninja re-runs cmake by itself when a CMakeLists.txt changes.
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build -j"${CAFKA_JOBS:-$(nproc)}" "$@"
