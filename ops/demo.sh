#!/usr/bin/env bash
# Runs every DAA pipeline in pipelines/ on the embedded defaults — generated events in,
# SQLite views under .sluice/ out, no servers — for a bounded time, then shows the views.
# Usage: bash ops/demo.sh [DURATION]   (default 20s)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"

if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH=/opt/swift/usr/bin:$PATH
fi

# Build dependencies only (the demo needs no servers): the C libraries the package links.
if ! pkg-config --exists sqlite3 libpq 2>/dev/null; then
    echo "installing build dependencies (libsqlite3-dev, libpq-dev, pkg-config)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends libsqlite3-dev libpq-dev pkg-config >/dev/null
fi

swift build -c release --product sluice 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin="$(swift build -c release --show-bin-path)/sluice"
"$bin" run pipelines --for "$duration"
echo
"$bin" views
