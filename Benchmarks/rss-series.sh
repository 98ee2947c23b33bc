#!/usr/bin/env bash
# Resident memory of one `sluice run` over time: starts it in a fresh folder (its views,
# checkpoints and dead letters stay there), samples `ps -o rss` every INTERVAL seconds
# until it exits, and prints "t_s rss_kB load1 cpu_s" lines (cpu_s: the process's user and
# system CPU seconds so far), then the growth per second between the first sample after
# WARMUP seconds and the last.
#
#   Benchmarks/rss-series.sh SLUICE_BINARY DIR [INTERVAL=10] [WARMUP=30] -- run ARGS...
#   e.g. Benchmarks/rss-series.sh .build/release/sluice /tmp/rss-am 10 30 -- run "$PWD/pipelines/agent-metrics.yaml" --for 3m
set -euo pipefail
binary=$(realpath "$1")
dir=$2
interval=${3:-10}
warmup=${4:-30}
shift 4
[ "${1:-}" = "--" ] && shift
mkdir -p "$dir"
cd "$dir"
"$binary" "$@" > run.log 2>&1 &
pid=$!
start=$(date +%s)
echo "# $binary $* (pid $pid, started $(date -u +%FT%TZ))"
echo "t_s rss_kB load1 cpu_s"
ticks=$(getconf CLK_TCK)
first_t=""
first_rss=""
last_t=0
last_rss=0
while kill -0 "$pid" 2> /dev/null; do
    rss=$(ps -o rss= -p "$pid" 2> /dev/null | tr -d ' ' || true)
    [ -z "$rss" ] && break
    t=$(($(date +%s) - start))
    # Fields 14 and 15 of /proc/PID/stat (after the command's parenthesis): utime, stime.
    cpu=$(sed 's/.*) //' "/proc/$pid/stat" 2> /dev/null | awk -v hz="$ticks" '{ printf "%.1f", ($12 + $13) / hz }' || true)
    echo "$t $rss $(cut -d' ' -f1 /proc/loadavg) $cpu"
    if [ "$t" -ge "$warmup" ] && [ -z "$first_t" ]; then first_t=$t first_rss=$rss; fi
    last_t=$t last_rss=$rss
    sleep "$interval"
done
wait "$pid" && rc=0 || rc=$?
echo "# exit $rc; $(tail -n 3 run.log | tr '\n' ' ')"
if [ -n "$first_t" ] && [ "$last_t" -gt "$first_t" ]; then
    awk -v a="$first_rss" -v b="$last_rss" -v s="$((last_t - first_t))" -v t0="$first_t" -v t1="$last_t" \
        'BEGIN { printf "# growth %.2f MB/s from t=%d s to t=%d s\n", (b - a) / 1024 / s, t0, t1 }'
fi
