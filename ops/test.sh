#!/usr/bin/env bash
# THE test command: installs what the build and tests need, starts RabbitMQ and PostgreSQL,
# builds everything with its tests, runs them, and always stops the servers again.
# Works on a fresh Debian 12 machine as root with Swift at /opt/swift, without a terminal.
# Usage: bash ops/test.sh [extra `swift test` arguments, e.g. --filter SluiceCoreTests]
# Exit code: that of the first failing step, i.e. of `swift test` when everything else works.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi

echo "== installing dependencies"
bash ops/install-deps.sh

echo "== starting the test servers"
trap 'echo "== stopping the test servers"; bash ops/test-stack.sh stop || true' EXIT
# A terminated run still stops the servers: exiting on the signal runs the EXIT trap.
trap 'exit 143' TERM
trap 'exit 130' INT
bash ops/test-stack.sh start
env_file=$(bash ops/test-stack.sh env)
# shellcheck source=/dev/null
source "$env_file"

echo "== swift build --build-tests"
swift --version
swift build --build-tests

# The shutdown tests run the binary users run: the optimizer once broke Ctrl-C there only.
echo "== swift build -c release --product sluice"
swift build -c release --product sluice
export SLUICE_RELEASE_BIN
SLUICE_RELEASE_BIN="$(swift build -c release --show-bin-path)/sluice"

echo "== swift test"
status=0
swift test --skip-build "$@" || status=$?
echo "== swift test exited with $status"
exit "$status"
