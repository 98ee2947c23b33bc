#!/usr/bin/env bash
# Isolation: what a pipeline whose sink is down costs another pipeline of the same
# `sluice run` process. Each round runs the fast pipeline (W1: N events of 10,000 agents,
# keyed by agent into 1-minute windows, views in SQLite: few rows, so the engine and not
# the view writes bound it) "alone" — beside an idle pipeline (one event a second) — and
# beside a pipeline whose PostgreSQL refuses it (its role loses LOGIN after its first
# commits, as in CLIOpsDegradedTests), in alternating order. In both, the fast pipeline
# joins the running process by a reload of the pipelines directory, after a warm-up run,
# so both measure a warm process the same way; its rate is its events over the time
# between its `starting` and `completed` log lines, and its cost is the process's CPU
# time (user + system, /proc/PID/stat sampled every 50 ms) over the same interval per
# event. On a shared 2-core VM single rounds swing by ±30 %, so the default is many short
# rounds (8 of 10 M events), the two set-ups alternating which goes first; it prints each
# round, then per measure the median ratio beside / alone with its spread (min, quartiles,
# max) and the 1-minute load average at start and end.
#
#   source /tmp/stack-NAME/stack.env          # a test stack: ops/test-stack.sh start
#   SLUICE_BIN=.build/release/sluice Benchmarks/isolation.sh [events] [rounds]
set -euo pipefail
export PGOPTIONS="-c client_min_messages=warning"
bin=$(realpath "${SLUICE_BIN:?the release sluice binary}")
pg=${SLUICE_TEST_PG_URL:?start a test stack and source its stack.env}
psql=${PSQL:-$(ls /usr/lib/postgresql/*/bin/psql | head -1)}
events=${1:-10000000}
rounds=${2:-8}
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

# CPU ticks (user + system) of process $1 so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The process's CPU time from the fast pipeline's `starting` line to its `completed`
# line (log $2, process $1), in nanoseconds per event of $3: sampled every 50 ms.
cpu_per_event() {
    local pid=$1 log=$2 before after
    until grep -q 'msg=starting.*pipeline=fast' "$log" 2>/dev/null; do sleep 0.05; done
    before=$(ticks "$pid")
    until grep -q 'msg=completed.*pipeline=fast' "$log" 2>/dev/null; do sleep 0.05; done
    after=$(ticks "$pid")
    awk -v t="$(( after - before ))" -v hz="$(getconf CLK_TCK)" -v e="$3" 'BEGIN { printf "%.1f", t / hz * 1e9 / e }'
}

# One measurement in a running `sluice run p/` whose first pipeline is $2 (idle.yaml or
# down.yaml): the warm-up pipeline, then the fast one, each added by a reload of p/.
# Prints "EVENTS_PER_SECOND NS_CPU_PER_EVENT".
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
        # Its sources read on until its epochs stall (two pending and one more held back
        # for an epoch interval, ~3 s after the first failed commit; JobRuntime.commitsStalled):
        # measure the steady state of a down neighbour, not those seconds.
        sleep 4
    else
        await "$dir/log.txt" 60 'msg=starting.*pipeline=idle' >/dev/null
    fi
    sleep 1
    cp "$work/warm.yaml" "$dir/p/"
    await "$dir/log.txt" 180 'msg=completed.*pipeline=warm'
    cp "$work/fast.yaml" "$dir/p/"
    local cpu; cpu=$(cpu_per_event "$pid" "$dir/log.txt" "$events")
    kill -TERM "$pid"; wait "$pid" || true
    echo "$(rate "$dir/log.txt") $cpu"
}

# Median, quartiles and extremes of the numbers on standard input.
spread() {
    sort -n | awk '{ v[NR] = $1 }
        function q(p,  i, f) { i = 1 + (NR - 1) * p; f = int(i); return v[f] + (i - f) * (v[f + 1 < NR ? f + 1 : NR] - v[f]) }
        END { printf "median %.1f %% (min %.1f, quartiles %.1f–%.1f, max %.1f; %d rounds)", q(0.5), v[1], q(0.25), q(0.75), v[NR], NR }'
}

rates=(); cpus=()
echo "events=$events rounds=$rounds binary=$bin load(1 min) at start: $(cut -d' ' -f1 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
    # Alternate which set-up goes first, so a drift in the machine's load hits both alike.
    order=(alone beside); (( round % 2 == 0 )) && order=(beside alone)
    declare -A got=()
    for setup in "${order[@]}"; do
        if [ "$setup" = alone ]; then got[$setup]=$(measure "alone-$round" idle.yaml); else got[$setup]=$(measure "beside-$round" down.yaml); fi
    done
    read -r a_rate a_cpu <<< "${got[alone]}"; read -r b_rate b_cpu <<< "${got[beside]}"
    rate_ratio=$(awk -v a="$a_rate" -v b="$b_rate" 'BEGIN { printf "%.1f", 100 * b / a }')
    cpu_ratio=$(awk -v a="$a_cpu" -v b="$b_cpu" 'BEGIN { printf "%.1f", 100 * b / a }')
    rates+=("$rate_ratio"); cpus+=("$cpu_ratio")
    echo "round $round (${order[0]} first): alone ${a_rate} ev/s ${a_cpu} ns CPU/event; beside a down pipeline ${b_rate} ev/s ${b_cpu} ns CPU/event; rate ${rate_ratio} %, CPU ${cpu_ratio} % of alone; load $(cut -d' ' -f1 /proc/loadavg)"
done
echo "rate beside/alone: $(printf '%s\n' "${rates[@]}" | spread)"
echo "CPU per event beside/alone: $(printf '%s\n' "${cpus[@]}" | spread)"
echo "load(1 min) at end: $(cut -d' ' -f1 /proc/loadavg)"
