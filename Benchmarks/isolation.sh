#!/usr/bin/env bash
# Isolation: what a pipeline whose sink is down costs another pipeline of the same
# `sluice run` process. Each round runs the fast pipeline (W1: N events of 10,000 agents,
# keyed by agent into 1-minute windows, views in SQLite: few rows, so the engine and not
# the view writes bound it) "alone" — beside an idle pipeline (one event a second) — and
# beside a pipeline whose PostgreSQL refuses it (its role loses LOGIN after its first
# commits, as in CLIOpsDegradedTests), in alternating order. In both, the fast pipeline
# joins the running process by a reload of the pipelines directory, after a warm-up run,
# so both measure a warm process the same way; its rate is its events over the time
# between its `starting` and `completed` log lines. Prints each round and the median
# ratio beside / alone.
#
#   source /tmp/stack-NAME/stack.env          # a test stack: ops/test-stack.sh start
#   SLUICE_BIN=.build/release/sluice Benchmarks/isolation.sh [events] [rounds]
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"
bin=$(realpath "${SLUICE_BIN:?the release sluice binary}")
pg=${SLUICE_TEST_PG_URL:?start a test stack and source its stack.env}
psql=${PSQL:-$(ls /usr/lib/postgresql/*/bin/psql | head -1)}
events=${1:-30000000}
rounds=${2:-3}
work=$(mktemp -d /tmp/sluice-isolation.XXXXXX)
role="sluice_isolation_$$"
cleanup() {
    "$psql" -q "$pg" -c "ALTER ROLE $role LOGIN" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$role'" \
        -c "DROP SCHEMA IF EXISTS $role CASCADE" -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
"$psql" -q "$pg" -c "CREATE ROLE $role LOGIN SUPERUSER" >/dev/null
down_url="${pg/:\/\/postgres@/://$role@}?schema=$role"

cat > "$work/fast.yaml" <<YAML
pipeline: fast
source: { uri: "generator:w1?count=$events&agents=10000", schema: w1 }
event_time: { field: ts, max_out_of_orderness: 2s }
steps:
  - key_by: [agent_id]
  - window: { tumbling: 1m }
  - aggregate: { n: count(), total: sum(value), high: max(value) }
sink: { uri: "sqlite:fast.db", view: w1_1m, key: [agent_id, window_start] }
dead_letter: { uri: "file:dead-letter.ndjson" }
YAML
cat > "$work/down.yaml" <<YAML
pipeline: down
source: { uri: "generator:w1?count=2000000000&agents=10000", schema: w1 }
event_time: { field: ts, max_out_of_orderness: 2s }
steps:
  - key_by: [agent_id]
  - fold: { n: count() }
sink: { uri: "$down_url", view: counts, key: [agent_id] }
dead_letter: { uri: "file:dead-letter.ndjson" }
YAML

# The neighbour of the "alone" runs: one event a second into SQLite (no load at all).
cat > "$work/idle.yaml" <<YAML
pipeline: idle
source: { uri: "generator:daa?agents=10&rate=1" }
event_time: { field: ts, max_out_of_orderness: 2s }
steps:
  - key_by: [agent_id]
  - fold: { n: count() }
sink: { uri: "sqlite:idle.db", view: counts, key: [agent_id] }
dead_letter: { uri: "file:dead-letter.ndjson" }
YAML
# A warm-up run of the fast pipeline under another name (a third of its events), so both
# set-ups measure a process whose allocator and threads are warm.
sed -e 's/^pipeline: fast/pipeline: warm/' -e "s/count=$events/count=$(( events / 3 ))/" -e 's/fast.db/warm.db/' \
    "$work/fast.yaml" > "$work/warm.yaml"

# The fast pipeline's events per second from log file $1: its events (`completed` line)
# over the time between its `starting` and `completed` lines (millisecond timestamps).
rate() {
    local start end events
    start=$(grep 'msg=starting' "$1" | grep 'pipeline=fast' | sed -E 's/^ts=([^ ]+) .*/\1/')
    end=$(grep 'msg=completed' "$1" | grep 'pipeline=fast' | sed -E 's/^ts=([^ ]+) .*/\1/')
    events=$(grep 'msg=completed' "$1" | grep 'pipeline=fast' | sed -E 's/.* events=([0-9]+) .*/\1/')
    awk -v e="$events" -v a="$(date -d "$start" +%s.%N)" -v b="$(date -d "$end" +%s.%N)" 'BEGIN { printf "%d", e / (b - a) }'
}

# Waits (up to $2 s) until file $1 contains pattern $3.
await() { for _ in $(seq 1 $(( $2 * 10 ))); do grep -q "$3" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "timed out waiting for '$3' in $1" >&2; return 1; }

# One measurement in a running `sluice run p/` whose first pipeline is $2 (idle.yaml or
# down.yaml): the warm-up pipeline, then the fast one, each added by a reload of p/.
measure() {
    local dir="$work/$1"; mkdir -p "$dir/p"; cp "$work/$2" "$dir/p/"
    "$psql" -q "$pg" -c "ALTER ROLE $role LOGIN" -c "DROP SCHEMA IF EXISTS $role CASCADE" >/dev/null
    (cd "$dir" && exec "$bin" run p --workers 2 --log-format logfmt --shutdown-timeout 5s > out.txt 2> log.txt) &
    local pid=$!
    if [ "$2" = down.yaml ]; then
        # Down after its first commits: the role may no longer log in, its sessions end,
        # and its commits wait on the database (the commit group logs the outage).
        for _ in $(seq 1 300); do
            [ "$("$psql" -qtA "$pg" -c "SELECT count(*) FROM pg_tables WHERE schemaname = '$role' AND tablename = 'counts'")" = 1 ] && break
            sleep 0.1
        done
        "$psql" -q "$pg" -c "ALTER ROLE $role NOLOGIN" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$role'" >/dev/null
        await "$dir/log.txt" 60 'is unreachable' >/dev/null
    else
        await "$dir/log.txt" 60 'msg=starting.*pipeline=idle' >/dev/null
    fi
    sleep 1
    cp "$work/warm.yaml" "$dir/p/"
    await "$dir/log.txt" 180 'msg=completed.*pipeline=warm'
    cp "$work/fast.yaml" "$dir/p/"
    await "$dir/log.txt" 180 'msg=completed.*pipeline=fast'
    kill -TERM "$pid"; wait "$pid" || true
    rate "$dir/log.txt"
}

ratios=()
echo "events=$events rounds=$rounds binary=$bin"
for round in $(seq 1 "$rounds"); do
    if (( round % 2 == 1 )); then
        a=$(measure "alone-$round" idle.yaml); b=$(measure "beside-$round" down.yaml)
    else
        b=$(measure "beside-$round" down.yaml); a=$(measure "alone-$round" idle.yaml)
    fi
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", 100 * b / a }')
    ratios+=("$ratio")
    echo "round $round: alone ${a} ev/s, beside a down pipeline ${b} ev/s, beside/alone ${ratio} %"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "median beside/alone: ${median} %"
