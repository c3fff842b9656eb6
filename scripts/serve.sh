#!/usr/bin/env bash
# Installs, builds and starts a single-node broker. With no arguments it uses the embedded
# defaults: PLAINTEXT://127.0.0.1:9092, data under ./data. Arguments go to cafka-server, e.g.
#   bash scripts/serve.sh config/dev.properties --override log.level=debug
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/build.sh --target cafka-server
exec build/bin/cafka-server "$@"
