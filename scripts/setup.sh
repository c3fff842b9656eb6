#!/usr/bin/env bash
# Installs cafka's build and test dependencies from Debian 12 packages. Idempotent: when every
# package is already installed it returns at once without touching apt. Runs as root, or with
# sudo when not root and sudo exists. Non-interactive (safe with no stdin, e.g. in CI).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache             # toolchain
  libcaf-dev libboost-dev libboost-program-options-dev # CAF 0.17, Asio, ProgramOptions
  libcereal-dev                                        # serialization
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev      # batch codecs (storage/compression)
  catch2 libbenchmark-dev                              # unit tests, benchmarks
  librdkafka-dev kcat python3 python3-confluent-kafka python3-kafka # real clients for tests
  nodejs                                               # kafkajs test client (npm, below)
)

# One dpkg-query for all: prints "name installed" for each package that is fully installed.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null \
            | awk '$2 == "installed" { print $1 }' || true)
missing=()
for p in "${packages[@]}"; do
  grep -qxF "$p" <<<"$installed" || missing+=("$p")
done
# kafkajs, the one test client from npm, pinned by tests/integration/kafkajs/package-lock.json.
install_kafkajs() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/integration/kafkajs"
  [[ -d "$dir/node_modules/kafkajs" ]] && return 0
  command -v npm >/dev/null 2>&1 || { echo "setup: npm missing (Debian: apt-get install npm)" >&2; return 1; }
  echo "setup: npm ci in tests/integration/kafkajs"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error </dev/null
}

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages installed"
  install_kafkajs
  exit 0
fi

if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: not root and no sudo; install as root: ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${packages[@]}" </dev/null
command -v npm >/dev/null 2>&1 || "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends npm </dev/null
install_kafkajs
