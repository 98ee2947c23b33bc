#!/usr/bin/env bash
# Runs every DAA pipeline in pipelines/ on the embedded defaults — generated events in,
# SQLite views under .sluice/ out, no servers — for a bounded time, then shows the views.
# Usage: bash ops/demo.sh [DURATION]   (default 20s)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"

# Build dependencies only (the demo needs no servers).
if ! pkg-config --exists sqlite3 2>/dev/null; then
    echo "installing build dependencies (libsqlite3-dev, pkg-config)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libsqlite3-dev pkg-config >/dev/null
fi

swift build -c release --product sluice 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin="$(swift build -c release --show-bin-path)/sluice"
"$bin" run pipelines --for "$duration"
echo
"$bin" views
