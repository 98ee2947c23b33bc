#!/usr/bin/env bash
# THE test command: installs what the build and tests need, starts RabbitMQ and PostgreSQL,
# builds everything with its tests (and the release binary the shutdown tests run), runs
# them, and always stops the servers again. Works on a fresh Debian 12 machine as root with
# Swift at /opt/swift, without a terminal.
#
# The terminal shows one line per step, the failing tests and the test summary; everything
# else (apt, server start-up, compiler progress, every test line) goes to a log file whose
# path is printed first. When a step fails, the end of the log is printed too.
#
# Usage: bash ops/test.sh [extra `swift test` arguments, e.g. --filter SluiceCoreTests]
# Settings: SLUICE_TEST_LOG (the log file; default .build/test-logs/test-<time>.log)
# Exit code: that of the first failing step, i.e. of `swift test` when everything else works.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi

log=${SLUICE_TEST_LOG:-.build/test-logs/test-$(date -u +%Y%m%d-%H%M%S).log}
mkdir -p "$(dirname "$log")"
: >"$log"
echo "== log: $log"

# Runs one step with its output in the log; on failure shows the log's end and exits with
# the step's status.
step() {
  local name=$1
  shift
  echo "== $name"
  echo "==== $name" >>"$log"
  local status=0
  "$@" >>"$log" 2>&1 || status=$?
  if ((status != 0)); then
    echo "== $name failed (exit $status); the last 60 lines of $log:"
    tail -n 60 "$log"
    exit "$status"
  fi
}

step "installing dependencies" bash ops/install-deps.sh

trap 'echo "== stopping the test servers"; bash ops/test-stack.sh stop >>"$log" 2>&1 || true' EXIT
# A terminated run still stops the servers: exiting on the signal runs the EXIT trap.
trap 'exit 143' TERM
trap 'exit 130' INT
step "starting the test servers" bash ops/test-stack.sh start
env_file=$(bash ops/test-stack.sh env)
# shellcheck source=/dev/null
source "$env_file"

swift --version >>"$log" 2>&1
step "swift build --build-tests" swift build --build-tests
# The shutdown tests run the binary users run: the optimizer once broke Ctrl-C there only.
step "swift build -c release --product sluice" swift build -c release --product sluice
export SLUICE_RELEASE_BIN
SLUICE_RELEASE_BIN="$(swift build -c release --show-bin-path)/sluice"

warnings=$(grep -c "warning:" "$log" || true)
if ((warnings > 0)); then echo "== the build printed $warnings warning lines (see the log)"; fi

echo "== swift test $*"
echo "==== swift test $*" >>"$log"
# Every line to the log; failures and summaries to the terminal as they come.
set +e
swift test --skip-build "$@" 2>&1 | tee -a "$log" \
  | grep --line-buffered -E '^(✘ |/.*:[0-9]+: error: |Test Suite .* failed|[[:space:]]*Executed [1-9][0-9]* tests?,|✔ Test run with)'
status=${PIPESTATUS[0]}
set -e
if ((status != 0)); then
  echo "== swift test failed (exit $status); failing tests above, every line in $log"
else
  echo "== swift test passed"
fi
exit "$status"
